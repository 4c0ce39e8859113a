"""``python -m cli ...`` runs the csvimport command."""

from cli.csvimport import main

raise SystemExit(main(prog="python -m cli"))
