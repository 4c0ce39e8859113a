"""The first `make` builds .venv quietly: pip's output goes to .venv/install.log through
scripts/quietly, and only real errors reach the terminal (a failed install fails the make)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUIETLY = ROOT / "scripts" / "quietly"
# What pip says on these machines: a warning per extra package location, per package.
CHATTY = 'for i in $(seq 160); do echo "WARNING: Ignoring invalid distribution ~ip ($i)"; done'


def quietly(log: Path, script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(QUIETLY), str(log), "bash", "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_chatty_command_that_succeeds_prints_nothing_and_keeps_its_output_in_the_log(tmp_path: Path):
    log = tmp_path / "install.log"
    done = quietly(log, CHATTY + "; echo 'Successfully installed csv-import-0.1 (editable)'")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    kept = log.read_text()
    assert sum(line.startswith("WARNING: Ignoring") for line in kept.splitlines()) == 160
    assert "Successfully installed" in kept


def test_an_error_line_reaches_the_terminal_even_when_the_command_succeeds(tmp_path: Path):
    done = quietly(tmp_path / "install.log", CHATTY + '; echo "ERROR: pip\'s dependency resolver ..." >&2')
    assert done.returncode == 0
    assert done.stderr.strip() == "ERROR: pip's dependency resolver ..."


def test_a_failed_command_fails_with_its_status_and_shows_how_it_ended(tmp_path: Path):
    log = tmp_path / "install.log"
    script = CHATTY + "; echo 'ERROR: No matching distribution found for nosuchpackage==9' >&2; exit 7"
    done = quietly(log, script)
    assert done.returncode == 7
    assert "ERROR: No matching distribution found for nosuchpackage==9" in done.stderr
    assert str(log) in done.stderr
    assert done.stderr.count("\n") < 40  # the end of what it said, not all of it


def test_the_venv_recipe_runs_every_pip_install_through_quietly():
    # make -n prints the recipe without running it (-B: as if .venv were out of date).
    recipe = subprocess.run(
        ["make", "-n", "-B", ".venv/.installed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    installs = [line for line in recipe.splitlines() if "pip install" in line]
    assert len(installs) == 3, recipe
    assert all(line.startswith("scripts/quietly .venv/install.log ") for line in installs), recipe
