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


def test_a_domain_module_that_imports_boto3_breaks_the_contract(layer_copy: Path):
    with (layer_copy / "ingestion/domain/progress.py").open("a") as module:
        module.write("\nimport boto3  # noqa\n")
    result = lint_imports(layer_copy)
    assert result.returncode != 0
    assert "ingestion.domain.progress -> boto3" in result.stdout


def test_a_store_module_that_imports_a_service_breaks_the_contract(layer_copy: Path):
    with (layer_copy / "ingestion/store/queue.py").open("a") as module:
        module.write("\nfrom ingestion.services import status  # noqa\n")
    result = lint_imports(layer_copy)
    assert result.returncode != 0
    assert "ingestion.store.queue -> ingestion.services.status" in result.stdout
