"""tuiapp: a keyboard-first terminal app for the whole LLM fine-tuning loop."""

__version__ = "0.1.0"
