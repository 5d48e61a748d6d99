"""Textual screens, one module and one .tcss per screen."""
