"""Fine-tuning jobs: upload, create, watch, metrics and diagnosis (core, no Textual)."""
