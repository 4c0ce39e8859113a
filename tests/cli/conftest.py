"""The fake API and the small CSV of test_cli.py, for the CLI's other test files too."""

from tests.cli.test_cli import api, small_csv  # noqa: F401 (fixtures)
