"""Run tuiapp with `python -m tuiapp`."""

from tuiapp.cli import main

raise SystemExit(main())
