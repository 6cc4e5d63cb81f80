"""``manual-backprop verify``: the certificate passes here, covers every equation, and can fail."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

import manual_backprop
from manual_backprop import Params
from torch_reference.commands.cli import main

REQUIRED_EQUATIONS = {
    "(3)", "(4),(6)", "(5)", "(7)", "(8)", "(34)", "(16)", "(23)", "(24)", "(25)", "(42)",
    "(44)", "(26)", "(27)", "(28)", "(29)", "(30)", "(31)", "(18)/(19)", "(18)/(33)",
    "sec. 1.5", "(2)",
}  # fmt: skip
FIELDS = {
    "equation", "quantity", "oracle", "device", "dtype", "max_abs_err", "max_rel_err",
    "tolerance", "passed",
}  # fmt: skip


def test_verify_passes_prints_the_table_and_writes_the_certificate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "certificate.json"
    assert main(["verify", "--device", "cpu", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "max abs err" in out and "PASS: all" in out and "FAIL" not in out
    rows = [line for line in out.splitlines() if line.startswith("(16) ")]
    assert rows and all(line.rstrip().endswith("derivation/#eq-16") for line in rows)
    document = json.loads(path.read_text())
    assert document["passed"] is True
    checks = document["checks"]
    assert {row["equation"] for row in checks} >= REQUIRED_EQUATIONS
    assert all(FIELDS <= set(row) for row in checks)
    assert {row["link"] for row in checks if row["equation"] == "(26)"} == {"derivation/#eq-26"}
    oracles = {row["oracle"] for row in checks}
    assert oracles >= {"autograd (cpu)", "jax.grad", "central differences", "batched",
                       "exact (mpmath)", "proved (SymPy, shipping code)",
                       "proved (SymPy, transcription)", "proved (SymPy, any width)"}  # fmt: skip
    assert {row["dtype"] for row in checks} == {"float64", "float32", "exact"}
    proofs = [row for row in checks if row["oracle"].startswith("proved (SymPy")]
    assert all(row["criterion"] == "proof" and row["dtype"] == "exact" for row in proofs)
    assert {"(16)", "(26)", "(42)", "(43)/(44)", "(2)", "erratum 4"} <= {
        row["equation"] for row in proofs
    }
    code = {row["equation"] for row in proofs if row["oracle"] == "proved (SymPy, shipping code)"}
    assert {"(26)-(31)", "(16), (42)/(44)", "(16), (23)", "sec. 1.5", "(2)"} <= code
    import hashlib

    derivation = document["derivation"]
    text = (Path(__file__).resolve().parents[1] / "docs" / "derivation.md").read_bytes()
    assert derivation["sha256"] == hashlib.sha256(text).hexdigest()
    assert derivation["package_version"] == manual_backprop.__version__
    environment = document["environment"]
    for key in ("python", "numpy", "torch", "jax", "blas", "cpu", "seed", "tf32", "gpu", "cuda"):
        assert key in environment


def _wrong_gradients(*args: Any, **kwargs: Any) -> tuple[float, Params]:
    J, grads = manual_backprop.gradients(*args, **kwargs)
    if len(grads.weights) > 1:
        grads.weights[1] = -grads.weights[1]  # a sign error in dJ/dW^(2)
    return J, grads


def test_verify_fails_and_exits_non_zero_on_a_wrong_gradient(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from torch_reference.commands.cli import build_parser
    from torch_reference.commands.verify import run

    wrong = SimpleNamespace(
        forward=manual_backprop.forward,
        deltas=manual_backprop.deltas,
        gradients=_wrong_gradients,
        gradients_per_example=manual_backprop.gradients_per_example,
    )
    args = build_parser().parse_args(["verify", "--device", "cpu", "--dtype", "float64"])
    assert run(args, implementation=wrong) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "checks failed" in out
    failed = [line for line in out.splitlines() if "  FAIL  " in line]
    assert failed and all("dJ/dW^(2)" in line for line in failed)
    assert any("autograd (cpu)" in line for line in failed)
    assert any("jax.grad" in line for line in failed)
    assert any("exact (mpmath)" in line for line in failed)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_verify_on_cuda_without_a_gpu_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--device", "cuda"]) == 2
    assert "torch.cuda.is_available() is False" in capsys.readouterr().err


@pytest.mark.cuda
def test_verify_on_cuda_passes(tmp_path: Path) -> None:
    path = tmp_path / "certificate.json"
    assert main(["verify", "--device", "cuda", "--json", str(path)]) == 0
    document = json.loads(path.read_text())
    assert document["environment"]["gpu"]
    assert {row["device"] for row in document["checks"]} >= {"cuda"}


def test_the_summary_says_the_finite_difference_rows_are_float64(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["verify", "--device", "cpu", "--dtype", "float32"]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert "dtypes float32 (the finite-difference rows: float64 on the CPU, always)" in summary


def test_the_table_wraps_a_long_quantity_below_its_row() -> None:
    """A proof row's quantity names its network; wrapped, it no longer widens every line."""
    from torch_reference.claims import Check
    from torch_reference.commands.verify import QUANTITY_WIDTH, format_table

    long = (
        "backpropagate's and gradients' dJ/dW^l, dJ/db^l = SymPy's [2-3-2-3 softmax, B = 2, "
        "one-hot, soft and unnormalised targets, 1 pair of strict patterns each]"
    )
    rows = [
        Check("(26)-(31)", long, "proved (SymPy, shipping code)", "cpu", "exact", 0.0, 0.0, 0.0,
              True, "proof"),
        Check("(3)", "z^(1) [softmax, one-hot]", "autograd (cpu)", "cpu", "float64", 1e-15,
              1e-16, 1e-14, True),
    ]  # fmt: skip
    lines = format_table(rows).splitlines()
    header, rule, body = lines[0], lines[1], lines[2:-1]
    start = header.index("quantity")
    width = len(rule.split("  ")[1])
    assert width <= QUANTITY_WIDTH < len(long)
    first, *more, short = body
    assert first.startswith("(26)-(31)") and first.rstrip().endswith("derivation/#eq-26")
    assert more and all(line[:start].strip() == "" for line in more)
    assert " ".join(line[start : start + width].strip() for line in [first, *more]) == long
    assert short.startswith("(3) ") and "PASS" in short
    assert max(len(line) for line in lines[:-1]) < len(long) + 150
