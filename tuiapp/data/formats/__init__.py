"""Formats in: detect what a file holds (OpenAI chat or preference JSONL, JSON arrays, Alpaca,
ShareGPT, LLaMA-Factory's JSONL) and convert each record to OpenAI chat or preference JSON."""
