"""The migrations of fine-tuning jobs: uploaded files, jobs, their events, metrics and
checkpoints, and what later migrations added to them (never edit one that has shipped)."""

from __future__ import annotations

# 3: fine-tuning jobs: uploaded files, jobs, their events, metrics and checkpoints
JOBS = """
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
    """

# 5: a client token on each job, stored before the create request is sent (idempotent create)
JOB_CLIENT_TOKEN = """
    ALTER TABLE jobs ADD COLUMN client_token TEXT;
    CREATE UNIQUE INDEX jobs_client_token ON jobs(client_token) WHERE client_token IS NOT NULL;
    """

# 10: a job moved to another provider ("retrain elsewhere"): the old job, the new one
# (NULL until it is created), the target, the mapping with its notes, and the evaluation
# runs of the old and the new model on the version's holdout
RETRAINS = """
    CREATE TABLE retrains (
        id INTEGER PRIMARY KEY,
        old_job INTEGER NOT NULL REFERENCES jobs(id),
        new_job INTEGER REFERENCES jobs(id),
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        mapping TEXT NOT NULL DEFAULT '{}',
        old_run INTEGER REFERENCES eval_runs(id),
        new_run INTEGER REFERENCES eval_runs(id),
        created_at TEXT NOT NULL,
        last_job_before INTEGER NOT NULL DEFAULT 0  -- the newest job id when it was recorded
    );
    CREATE INDEX retrains_old_job ON retrains(old_job);
    """
