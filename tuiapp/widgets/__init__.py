"""Reusable widgets: the virtual example list, the conversation view, the token histogram."""
