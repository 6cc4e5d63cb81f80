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


def test_the_finite_difference_oracle_never_imports_the_backward_equations() -> None:
    """Central differences must stay independent: J from the forward pass and the loss only.

    Follows every ``from manual_backprop... import`` of the module, and of the modules it
    imports, through the source (importing a submodule would run the package's __init__).
    """
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    backward = {
        "manual_backprop",  # the package itself imports the algorithm
        "manual_backprop.backward",
        "manual_backprop.gradients",
        "manual_backprop.algorithm",
        "manual_backprop.checks.error_scales",
    }
    seen, queue = set(), ["manual_backprop.checks.finite_differences"]
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        path = root.joinpath(*name.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module and module.split(".")[0] == "manual_backprop":
                queue.append(module)
    assert "manual_backprop.forward" in seen and "manual_backprop.heads" in seen
    assert not seen & backward, sorted(seen & backward)
