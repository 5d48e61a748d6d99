"""The migrations of datasets: their examples, review history, versions and settings, the
quality scan, and what later migrations added to them (never edit one that has shipped)."""

from __future__ import annotations

# 1: datasets, their examples, review history, versions and settings
DATASETS = """
    CREATE TABLE datasets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        path TEXT NOT NULL,
        format TEXT NOT NULL DEFAULT 'chat',
        base_model TEXT NOT NULL,
        file_size INTEGER NOT NULL DEFAULT 0,
        file_mtime REAL NOT NULL DEFAULT 0,
        import_state TEXT NOT NULL DEFAULT 'importing',
        import_error TEXT,
        lines INTEGER NOT NULL DEFAULT 0,
        bytes_read INTEGER NOT NULL DEFAULT 0,
        file_problems TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL
    );
    CREATE TABLE examples (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        line INTEGER NOT NULL,
        original TEXT NOT NULL,
        edited TEXT,
        status TEXT NOT NULL DEFAULT 'pending',
        note TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',
        problems TEXT NOT NULL DEFAULT '[]',
        severity INTEGER NOT NULL DEFAULT 0,
        n_tokens INTEGER NOT NULL DEFAULT 0,
        n_assistant_tokens INTEGER NOT NULL DEFAULT 0,
        n_messages INTEGER NOT NULL DEFAULT 0,
        preview TEXT NOT NULL DEFAULT '',
        updated_at TEXT
    );
    CREATE UNIQUE INDEX examples_position ON examples(dataset_id, idx);
    CREATE INDEX examples_status ON examples(dataset_id, status, idx);
    CREATE INDEX examples_severity ON examples(dataset_id, severity, idx);
    CREATE TABLE example_problems (
        dataset_id INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        kind TEXT NOT NULL,
        PRIMARY KEY (dataset_id, kind, idx)
    ) WITHOUT ROWID;
    CREATE INDEX example_problems_position ON example_problems(dataset_id, idx);
    CREATE TABLE review_log (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL,
        example_id INTEGER NOT NULL,
        field TEXT NOT NULL,
        old_value TEXT,
        new_value TEXT,
        at TEXT NOT NULL
    );
    CREATE INDEX review_log_dataset ON review_log(dataset_id, id);
    CREATE TABLE dataset_versions (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id),
        parent_id INTEGER REFERENCES dataset_versions(id),
        name TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        split_seed INTEGER,
        counts TEXT NOT NULL DEFAULT '{}',
        report TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """

# 2: data quality (scan results, duplicate groups), frozen versions, grouped undo
QUALITY = """
    CREATE TABLE quality_scans (
        dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
        threshold REAL NOT NULL,
        scanned_at TEXT NOT NULL,
        report TEXT NOT NULL
    );
    CREATE TABLE quality_items (
        dataset_id INTEGER NOT NULL,
        item TEXT NOT NULL,
        idx INTEGER NOT NULL,
        PRIMARY KEY (dataset_id, item, idx)
    ) WITHOUT ROWID;
    CREATE INDEX quality_items_position ON quality_items(dataset_id, idx);
    CREATE TABLE duplicate_members (
        dataset_id INTEGER NOT NULL,
        grp INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        keep INTEGER NOT NULL,
        exact INTEGER NOT NULL,
        similarity REAL NOT NULL,
        PRIMARY KEY (dataset_id, idx)
    ) WITHOUT ROWID;
    CREATE INDEX duplicate_members_group ON duplicate_members(dataset_id, grp, idx);
    CREATE TABLE blobs (
        hash TEXT PRIMARY KEY,
        text TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE version_examples (
        version_id INTEGER NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        split TEXT NOT NULL,
        example_id INTEGER NOT NULL,
        line INTEGER NOT NULL,
        hash TEXT NOT NULL REFERENCES blobs(hash),
        PRIMARY KEY (version_id, position)
    ) WITHOUT ROWID;
    ALTER TABLE dataset_versions ADD COLUMN kind TEXT NOT NULL DEFAULT 'freeze';
    ALTER TABLE dataset_versions ADD COLUMN split_fraction REAL;
    ALTER TABLE review_log ADD COLUMN batch INTEGER;
    """

# 6: the last failure of a worker on a dataset (quality scan, freeze, export), shown on it
LAST_FAILURE = """
    ALTER TABLE datasets ADD COLUMN last_failure TEXT;
    """

# 7: datasets known by content: the SHA-256 of the source file, and the dataset a changed
# file was re-imported from (its decisions carried over to unchanged examples)
CONTENT_HASH = """
    ALTER TABLE datasets ADD COLUMN content_sha256 TEXT;
    ALTER TABLE datasets ADD COLUMN previous_id INTEGER;
    CREATE INDEX datasets_content ON datasets(content_sha256);
    """

# 8: the source record of a converted example (Alpaca, ShareGPT, a JSON array...), as read,
# and where it was (`record 3`, `line 3`); the example itself is the converted OpenAI JSON
SOURCE_RECORDS = """
    CREATE TABLE example_sources (
        dataset_id INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        source_format TEXT NOT NULL,
        location TEXT NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (dataset_id, idx)
    );
    """

# 11: each example's review status in a narrow table of its own, so that a decision over a
# million examples rewrites ~20 bytes a row instead of every whole example (its text, checks,
# preview). `examples` stays the name readers use: a view of each row with its status, whose
# position comes from the status table (so that a filter by status, in file order, walks the
# status index alone). Writers name the table that owns the column: `example_rows` or
# `example_statuses`. A later migration that adds a column to `example_rows` drops and
# creates the view again.
NARROW_STATUS = """
    ALTER TABLE examples RENAME TO example_rows;
    CREATE TABLE example_statuses (
        example_id INTEGER PRIMARY KEY REFERENCES example_rows(id) ON DELETE CASCADE,
        dataset_id INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
    );
    INSERT INTO example_statuses(example_id, dataset_id, idx, status)
        SELECT id, dataset_id, idx, status FROM example_rows;
    DROP INDEX examples_status;
    ALTER TABLE example_rows DROP COLUMN status;
    CREATE UNIQUE INDEX example_statuses_position ON example_statuses(dataset_id, idx);
    CREATE INDEX example_statuses_status ON example_statuses(dataset_id, status, idx);
    CREATE VIEW examples AS
        SELECT r.id, s.dataset_id, s.idx, r.line, r.original, r.edited, s.status, r.note, r.tags,
            r.problems, r.severity, r.n_tokens, r.n_assistant_tokens, r.n_messages, r.preview,
            r.updated_at
        FROM example_rows r JOIN example_statuses s
            ON s.example_id = r.id AND s.dataset_id = r.dataset_id AND s.idx = r.idx;
    """
