"""Load a function's handler module in this process the way Lambda imports it: its CodeUri
folder first on sys.path (so sibling modules import), under a unique module name (every function's
module is called app.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
_loaded: dict[str, ModuleType] = {}


def load_handler_module(function: str) -> ModuleType:
    """functions/<function>/app.py, loaded once."""
    if function not in _loaded:
        folder = ROOT / "functions" / function
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
        spec = importlib.util.spec_from_file_location(f"{function}_app", folder / "app.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _loaded[function] = module
    return _loaded[function]
