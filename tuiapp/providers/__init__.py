"""One small async protocol over every fine-tuning backend, with its adapters."""
