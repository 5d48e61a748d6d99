"""The database schema, as an ordered list of migrations (never edit one that has shipped)."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: datasets, their examples, review history, versions and settings
    """
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
    """,
    # 2: data quality (scan results, duplicate groups), frozen versions, grouped undo
    """
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
    """,
    # 3: fine-tuning jobs: uploaded files, jobs, their events, metrics and checkpoints
    """
    CREATE TABLE provider_files (
        id INTEGER PRIMARY KEY,
        provider TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        purpose TEXT NOT NULL,
        file_id TEXT NOT NULL,
        filename TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'uploaded',
        created_at TEXT NOT NULL,
        UNIQUE (provider, content_hash, purpose)
    );
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        provider TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        version_id INTEGER REFERENCES dataset_versions(id),
        base_model TEXT NOT NULL,
        method TEXT NOT NULL DEFAULT 'supervised',
        requested TEXT NOT NULL DEFAULT '{}',
        hyperparameters TEXT NOT NULL DEFAULT '{}',
        suffix TEXT,
        seed INTEGER,
        training_file TEXT NOT NULL,
        validation_file TEXT,
        status TEXT NOT NULL,
        fine_tuned_model TEXT,
        trained_tokens INTEGER,
        estimated_finish INTEGER,
        error TEXT,
        estimate TEXT NOT NULL DEFAULT '{}',
        result_files TEXT NOT NULL DEFAULT '[]',
        last_event_id TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finished_at TEXT,
        UNIQUE (provider, remote_id)
    );
    CREATE TABLE job_events (
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        event_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        level TEXT NOT NULL,
        type TEXT NOT NULL,
        message TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (job_id, event_id)
    ) WITHOUT ROWID;
    CREATE INDEX job_events_order ON job_events(job_id, seq);
    CREATE TABLE job_metrics (
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        total_steps INTEGER,
        train_loss REAL,
        train_accuracy REAL,
        valid_loss REAL,
        valid_accuracy REAL,
        full_valid_loss REAL,
        full_valid_accuracy REAL,
        at INTEGER,
        PRIMARY KEY (job_id, step)
    ) WITHOUT ROWID;
    CREATE TABLE job_checkpoints (
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        checkpoint_id TEXT NOT NULL,
        step INTEGER NOT NULL,
        model_id TEXT NOT NULL,
        metrics TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        PRIMARY KEY (job_id, checkpoint_id)
    ) WITHOUT ROWID;
    """,
    # 4: evaluation runs and their outputs, blind A/B ratings, playground sessions
    """
    CREATE TABLE eval_runs (
        id INTEGER PRIMARY KEY,
        version_id INTEGER NOT NULL REFERENCES dataset_versions(id),
        split TEXT NOT NULL DEFAULT 'holdout',
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        job_id INTEGER REFERENCES jobs(id),
        params TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL DEFAULT 'running',
        total INTEGER NOT NULL,
        scores TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        finished_at TEXT
    );
    CREATE TABLE eval_outputs (
        run_id INTEGER NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        example_id INTEGER NOT NULL,
        output TEXT,
        error TEXT,
        latency_ms REAL,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        PRIMARY KEY (run_id, position)
    ) WITHOUT ROWID;
    CREATE TABLE ratings (
        id INTEGER PRIMARY KEY,
        run_a INTEGER NOT NULL REFERENCES eval_runs(id),
        run_b INTEGER NOT NULL REFERENCES eval_runs(id),
        position INTEGER NOT NULL,
        rater TEXT NOT NULL,
        verdict TEXT NOT NULL,
        shown_first TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (run_a, run_b, position, rater)
    );
    CREATE TABLE playground_sessions (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        settings TEXT NOT NULL DEFAULT '{}',
        transcript TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    # 5: a client token on each job, stored before the create request is sent (idempotent create)
    """
    ALTER TABLE jobs ADD COLUMN client_token TEXT;
    CREATE UNIQUE INDEX jobs_client_token ON jobs(client_token) WHERE client_token IS NOT NULL;
    """,
    # 6: the last failure of a worker on a dataset (quality scan, freeze, export), shown on it
    """
    ALTER TABLE datasets ADD COLUMN last_failure TEXT;
    """,
    # 7: datasets known by content: the SHA-256 of the source file, and the dataset a changed
    # file was re-imported from (its decisions carried over to unchanged examples)
    """
    ALTER TABLE datasets ADD COLUMN content_sha256 TEXT;
    ALTER TABLE datasets ADD COLUMN previous_id INTEGER;
    CREATE INDEX datasets_content ON datasets(content_sha256);
    """,
    # 8: the source record of a converted example (Alpaca, ShareGPT, a JSON array...), as read,
    # and where it was (`record 3`, `line 3`); the example itself is the converted OpenAI JSON
    """
    CREATE TABLE example_sources (
        dataset_id INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        source_format TEXT NOT NULL,
        location TEXT NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (dataset_id, idx)
    );
    """,
    # 9: LLM judge runs over two evaluation runs (the prompt template stored with the run) and
    # every judge call's reply: pairwise asks in both orders ('ab': run A shown first, 'ba'),
    # rubric asks one per answer ('a', 'b'); a failed call has an error and is asked again
    """
    CREATE TABLE judge_runs (
        id INTEGER PRIMARY KEY,
        run_a INTEGER NOT NULL REFERENCES eval_runs(id),
        run_b INTEGER NOT NULL REFERENCES eval_runs(id),
        mode TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        template TEXT NOT NULL,
        params TEXT NOT NULL DEFAULT '{}',
        estimate TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL DEFAULT 'running',
        total INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        finished_at TEXT
    );
    CREATE TABLE judgements (
        judge_run INTEGER NOT NULL REFERENCES judge_runs(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        ask TEXT NOT NULL,
        reply TEXT,
        error TEXT,
        verdict TEXT,
        score INTEGER,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        PRIMARY KEY (judge_run, position, ask)
    ) WITHOUT ROWID;
    """,
    # 10: a job moved to another provider ("retrain elsewhere"): the old job, the new one
    # (NULL until it is created), the target, the mapping with its notes, and the evaluation
    # runs of the old and the new model on the version's holdout
    """
    CREATE TABLE retrains (
        id INTEGER PRIMARY KEY,
        old_job INTEGER NOT NULL REFERENCES jobs(id),
        new_job INTEGER REFERENCES jobs(id),
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        mapping TEXT NOT NULL DEFAULT '{}',
        old_run INTEGER REFERENCES eval_runs(id),
        new_run INTEGER REFERENCES eval_runs(id),
        created_at TEXT NOT NULL
    );
    CREATE INDEX retrains_old_job ON retrains(old_job);
    """,
]
