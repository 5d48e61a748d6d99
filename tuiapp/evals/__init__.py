"""Evaluation: runs over a holdout, task metrics, blind A/B ratings (core, no Textual)."""
