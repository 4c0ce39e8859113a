"""`make help` and the README's Development table are one list of targets, and every target they
name exists."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def help_targets() -> list[str]:
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [line.split()[1] for line in out.splitlines() if line.startswith("make ")]


def readme_targets() -> list[str]:
    text = (ROOT / "README.md").read_text()
    table = text[text.index("| Command | What it does |") :].split("\n\n", 1)[0]
    return re.findall(r"^\| `make (\S+)` \|", table, flags=re.M)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_help_and_the_readme_list_the_same_targets():
    helped = help_targets()
    assert helped[:2] == ["test", "run"]  # the two commands first
    assert sorted(helped) == sorted(readme_targets())
    makefile = (ROOT / "Makefile").read_text()
    for target in helped:
        assert re.search(rf"^{re.escape(target)}:", makefile, flags=re.M), target
    for target in ("unit", "integration", "e2e", "lint", "validate"):
        assert target in helped
