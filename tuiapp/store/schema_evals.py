"""The migrations of evaluation: eval runs and their outputs, blind ratings, playground
sessions and LLM judge runs (never edit one that has shipped)."""

from __future__ import annotations

# 4: evaluation runs and their outputs, blind A/B ratings, playground sessions
EVALUATIONS = """
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
    """

# 9: LLM judge runs over two evaluation runs (the prompt template stored with the run) and
# every judge call's reply: pairwise asks in both orders ('ab': run A shown first, 'ba'),
# rubric asks one per answer ('a', 'b'); a failed call has an error and is asked again
JUDGE = """
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
    """
