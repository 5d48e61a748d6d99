"""Dataset logic: reading JSONL, format checks, token counts, statistics, import and export."""
