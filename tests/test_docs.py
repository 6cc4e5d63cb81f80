"""The documents hold: the walkthrough runs and every check inside it passes, its notebook is its
script with outputs, and nothing in the repository points outside it."""

from __future__ import annotations

import json
import runpy
import subprocess
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_the_walkthrough_runs_and_every_check_inside_passes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda: plt.close("all"))
    namespace: dict[str, Any] = runpy.run_path(str(DOCS / "walkthrough.py"), run_name="walkthrough")
    assert namespace["FAILED"] == []
    # Figure 3: where D(2h) and D(h) round to the same number the Richardson estimate is 0,
    # which a log axis cannot show: a gap (NaN), not a line dropping off the plot.
    richardson = namespace["richardson"]
    assert not np.any(richardson == 0) and np.any(np.isnan(richardson))


def test_the_notebook_is_the_script_with_its_outputs() -> None:
    jupytext = pytest.importorskip("jupytext", reason="the docs extra: pip install '.[docs]'")
    script = jupytext.read(DOCS / "walkthrough.py")
    notebook = jupytext.read(DOCS / "walkthrough.ipynb")
    cells = [(cell.cell_type, cell.source) for cell in script.cells]
    assert cells == [(cell.cell_type, cell.source) for cell in notebook.cells], (
        "docs/walkthrough.ipynb differs from docs/walkthrough.py: run "
        "jupytext --to ipynb docs/walkthrough.py && (cd docs && jupyter execute --inplace "
        "walkthrough.ipynb)"
    )
    raw = json.loads((DOCS / "walkthrough.ipynb").read_text(encoding="utf-8"))
    code = [cell for cell in raw["cells"] if cell["cell_type"] == "code"]
    assert all(cell.get("execution_count") for cell in code), "the notebook was not executed"
    images = sum("image/png" in output.get("data", {}) for c in code for output in c["outputs"])
    assert images == 5  # the five figures, rendered on GitHub


def test_nothing_in_the_repository_points_outside_it() -> None:
    """A clone has no ../shared: the derivation is docs/derivation.md."""
    found = subprocess.run(
        ["git", "grep", "-n", "-I", "-E", "[s]hared/", "--", ".", ":!.ci"],  # not itself
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    lines = found.stdout.splitlines()
    assert not lines, "\n".join(lines)
