"""manual_backprop never imports torch: the implementation stands on NumPy alone."""

from __future__ import annotations

import subprocess
import sys


def test_importing_every_manual_backprop_module_leaves_torch_unloaded() -> None:
    code = (
        "import pkgutil, importlib, sys, manual_backprop\n"
        "for m in pkgutil.walk_packages(manual_backprop.__path__, 'manual_backprop.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('torch' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False", result.stdout + result.stderr
