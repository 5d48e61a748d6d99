"""The migrations live in one module per group of tables; schema.py lists every one, once."""

from __future__ import annotations

from tuiapp.store import schema_datasets, schema_evals, schema_jobs
from tuiapp.store.schema import MIGRATIONS


def test_every_group_migration_is_listed_once_in_order() -> None:
    groups = (schema_datasets, schema_evals, schema_jobs)
    declared = [
        value
        for module in groups
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str)
    ]
    assert sorted(declared) == sorted(MIGRATIONS)  # none forgotten in the list, none extra
    assert len(set(MIGRATIONS)) == len(MIGRATIONS)
    assert "CREATE TABLE datasets" in MIGRATIONS[0] and "CREATE TABLE retrains" in MIGRATIONS[9]
    assert "CREATE TABLE example_statuses" in MIGRATIONS[10]
