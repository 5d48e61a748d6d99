"""Workflows that read and write the store (import, scan, freeze, export, report, jobs, evals),
called alike by the TUI and the CLI."""
