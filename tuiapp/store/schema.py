"""The database schema, as an ordered list of migrations (never edit one that has shipped).

Each group of tables has its own module of migrations (schema_datasets, schema_jobs,
schema_evals); the order they run in is this list. A new migration goes into its group's
module and at the end of this list."""

from __future__ import annotations

from tuiapp.store import schema_datasets as datasets
from tuiapp.store import schema_evals as evals
from tuiapp.store import schema_jobs as jobs

MIGRATIONS: list[str] = [
    datasets.DATASETS,  # 1
    datasets.QUALITY,  # 2
    jobs.JOBS,  # 3
    evals.EVALUATIONS,  # 4
    jobs.JOB_CLIENT_TOKEN,  # 5
    datasets.LAST_FAILURE,  # 6
    datasets.CONTENT_HASH,  # 7
    datasets.SOURCE_RECORDS,  # 8
    evals.JUDGE,  # 9
    jobs.RETRAINS,  # 10
    datasets.NARROW_STATUS,  # 11
]
