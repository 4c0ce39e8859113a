"""The layer's import contracts (pyproject.toml [tool.importlinter], run by `make lint`) hold, and
they fail when a module breaks them: a domain module importing boto3, or a lower layer a higher one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(package_parent: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=package_parent,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(package_parent)},
        timeout=120,
    )


@pytest.fixture
def layer_copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "layers/common/ingestion", tmp_path / "ingestion")
    return tmp_path


def test_the_layer_keeps_its_contracts():
    result = lint_imports(ROOT / "layers/common")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "line", "named"),
    [
        ("domain/progress.py", "import boto3", "ingestion.domain.progress -> boto3"),
        (
            "store/queue.py",
            "from ingestion.services import status",
            "ingestion.store.queue -> ingestion.services.status",
        ),
    ],
    ids=["a domain module imports boto3", "the store imports a service"],
)
def test_an_import_against_the_layers_breaks_the_contract(layer_copy: Path, module, line, named):
    with (layer_copy / "ingestion" / module).open("a") as source:
        source.write(f"\n{line}  # noqa\n")
    result = lint_imports(layer_copy)
    assert result.returncode != 0
    assert named in result.stdout
