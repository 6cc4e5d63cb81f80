"""The verification certificate: every equation of the derivation, checked against two oracles.

:func:`run_checks` returns one :class:`Check` per (equation, quantity, oracle, device, dtype);
:func:`certificate` wraps them with the environment into the JSON document that
``manual-backprop verify --json PATH`` writes (schema in ``docs/certificate.md``).

Oracles:

* ``autograd``: :mod:`torch_reference` (``torch.nn`` + autograd), on every available device;
* ``central differences``: :mod:`manual_backprop.checks.finite_differences`, float64, no torch;
* ``batched``: the batched equations, for the per-example algorithm of section 1.5.

The manual side runs on NumPy for ``device="cpu"``; for ``device="cuda"`` it runs the same code on
torch CUDA tensors (through the array API), so both the equations and the oracle run on the GPU.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch

import manual_backprop
from manual_backprop import Params
from manual_backprop.checks.error_scales import error_scales, output_condition, problem_rtol
from manual_backprop.checks.finite_differences import finite_difference_gradients
from manual_backprop.checks.problems import DERIVATION_LAYER_SIZES, Problem, make_problem
from manual_backprop.checks.tolerances import (
    finite_difference_atol,
    kink_step,
    normwise_error,
    parity_rtol,
)
from torch_reference.convert import to_numpy, to_tensor
from torch_reference.oracle import no_tf32, trace

__all__ = ["Check", "certificate", "format_table", "run_checks"]

#: Random architectures checked besides the derivation's network (depth 1, 2, 4, 5).
RANDOM_DEPTHS = (1, 2, 4, 5)
BATCH_SIZE = 32
FD_BATCH_SIZE = 8
#: Against autograd the manual side uses PyTorch's h'(0) = 0: a layer whose inputs are all 0 for
#: an example (a dead layer with zero biases) gives exact zeros z = 0, where the conventions
#: differ. The derivation's 1/2 has its own rows (eq. 2), against central differences.
ORACLE_RELU_GRAD_AT_ZERO = 0.0


@dataclass(frozen=True)
class Check:
    """One row of the certificate.

    ``max_rel_err`` is norm-wise: ``max|manual - oracle| / max(scale)``, the scale being what
    rounding errors are proportional to (:func:`manual_backprop.checks.error_scales.error_scales`).
    ``criterion`` says which is compared with ``tolerance``: ``"rel"`` (``max_rel_err``) or
    ``"abs"`` (``|manual - oracle| <= atol`` entry by entry; ``tolerance`` is then the atol at
    the entry closest to failing).
    """

    equation: str
    quantity: str
    oracle: str
    device: str
    dtype: str
    max_abs_err: float
    max_rel_err: float
    tolerance: float
    passed: bool
    criterion: str = "rel"


def _relative(
    equation: str, quantity: str, oracle: str, device: str, dtype: str,
    actual: Any, expected: Any, rtol: float, scale: Any = None,
) -> Check:  # fmt: skip
    max_abs, max_rel = normwise_error(to_numpy(actual), to_numpy(expected), scale)
    passed = bool(np.isfinite(max_rel)) and max_rel <= rtol
    return Check(equation, quantity, oracle, device, dtype, max_abs, max_rel, rtol, passed)


def _entrywise(
    equation: str, quantity: str, device: str, actual: Any, expected: Any, atol: Any
) -> Check:
    diff = np.abs(to_numpy(actual) - to_numpy(expected))
    atol_np = np.broadcast_to(np.asarray(atol, dtype=np.float64), diff.shape)
    worst = np.unravel_index(int(np.argmax(diff / atol_np)), diff.shape) if diff.size else ()
    max_abs, max_rel = normwise_error(to_numpy(actual), to_numpy(expected))
    passed = bool(np.all(diff <= atol_np))
    tolerance = float(atol_np[worst]) if diff.size else 0.0
    return Check(
        equation, quantity, "central differences", device, "float64",
        max_abs, max_rel, tolerance, passed, "abs",
    )  # fmt: skip


def _on_device(problem: Problem, device: str) -> tuple[Params, Any, Any]:
    """The problem for the manual side: NumPy on "cpu", torch tensors elsewhere."""
    if device == "cpu":
        return problem.params, problem.X, problem.Y
    return problem.converted(lambda array: to_tensor(array, device))


#: How each kind of quantity is named in the table.
QUANTITY = {"z": "z", "a": "a", "delta": "delta", "W": "dJ/dW", "b": "dJ/db"}


def _equation(kind: str, l: int, n_layers: int, output: str = "softmax", targets: str = "") -> str:
    """The derivation's number for ``kind`` of layer l; its own network has L = 3 layers."""
    own = n_layers == 3
    if kind == "z":
        return {1: "(3)", 2: "(5)", 3: "(7)"}[l] if own else "(3)-(7)"
    if kind == "a":
        return "(4),(6)" if l < n_layers else {"softmax": "(34)", "relu": "(8)"}[output]
    if kind == "delta":
        if l == n_layers:
            return "(23)" if output == "relu" else ("(42)" if targets == "soft" else "(44)")
        return {2: "(24)", 1: "(25)"}[l] if own else "(16)"
    if kind == "W":
        return {3: "(26)", 2: "(27)", 1: "(28)"}[l] if own else "(26)-(28)"
    return {3: "(29)", 2: "(30)", 1: "(31)"}[l] if own else "(29)-(31)"


def _trace_checks(
    impl: Any, problem: Problem, output: str, targets: str, device: str, dtype: str, tag: str
) -> list[Check]:
    """Forward, deltas, gradients and J of one problem against the autograd trace."""
    oracle = trace(problem.params, problem.X, problem.Y, output=output, device=device)
    params, X, Y = _on_device(problem, device)
    rtol = problem_rtol(problem.params, problem.X, problem.Y, output)
    scales = error_scales(problem.params, problem.X, problem.Y, output, ORACLE_RELU_GRAD_AT_ZERO)
    convention = {"output": output, "relu_grad_at_zero": ORACLE_RELU_GRAD_AT_ZERO}
    with no_tf32():
        passed = impl.forward(params, X, output=output)
        deltas = impl.deltas(params, X, Y, **convention)
        J, grads = impl.gradients(params, X, Y, **convention)
    n_layers = len(problem.params.weights)
    # (kind, layer, manual, oracle, error scale or None for the oracle's own magnitude)
    compared: list[tuple[str, int, Any, Any, Any]] = []
    for l in range(1, n_layers + 1):
        compared.append(
            ("z", l, passed.pre_activations[l - 1], oracle.pre_activations[l - 1], None)
        )
        compared.append(("a", l, passed.activations[l], oracle.activations[l], None))
    for l in range(n_layers, 0, -1):
        i = l - 1
        compared.append(("delta", l, deltas[i], oracle.deltas[i], scales.deltas[i]))
        compared.append(
            ("W", l, grads.weights[i], oracle.grads.weights[i], scales.grads.weights[i])
        )
        compared.append(("b", l, grads.biases[i], oracle.grads.biases[i], scales.grads.biases[i]))
    name = f"autograd ({device})"
    rows = [
        _relative(
            _equation(kind, l, n_layers, output, targets), f"{QUANTITY[kind]}^({l}){tag}",
            name, device, dtype, manual, expected, rtol, scale,
        )
        for kind, l, manual, expected, scale in compared
    ]  # fmt: skip
    loss_equation = "(18)/(19)" if output == "relu" else "(18)/(33)"
    rows.append(
        _relative(loss_equation, f"J{tag}", name, device, dtype, J, oracle.loss, rtol, scales.loss)
    )
    return rows


def _per_example_check(impl: Any, problem: Problem, device: str, dtype: str) -> list[Check]:
    params, X, Y = _on_device(problem, device)
    rtol = problem_rtol(problem.params, problem.X, problem.Y, "softmax")
    scales = error_scales(problem.params, problem.X, problem.Y, "softmax")
    with no_tf32():
        _, batched = impl.gradients(params, X, Y)
        _, each = impl.gradients_per_example(params, X, Y)
    return [
        _relative(
            "sec. 1.5", f"dJ/dW^({l}) per example", "batched", device, dtype,
            each.weights[l - 1], batched.weights[l - 1], rtol, scales.grads.weights[l - 1],
        )
        for l in range(len(batched.weights), 0, -1)
    ]  # fmt: skip


def _finite_difference_checks(impl: Any, seed: int) -> list[Check]:
    rows: list[Check] = []
    for output, targets in (("softmax", "labels"), ("relu", "soft")):
        problem = make_problem(
            DERIVATION_LAYER_SIZES, FD_BATCH_SIZE, output=output, targets=targets, seed=seed
        )
        J, grads = impl.gradients(problem.params, problem.X, problem.Y, output=output)
        numeric = finite_difference_gradients(problem.params, problem.X, problem.Y, output=output)
        extrapolated = numeric.extrapolated
        condition = output_condition(problem.params, problem.X, problem.Y, output)
        n_terms = FD_BATCH_SIZE * DERIVATION_LAYER_SIZES[-1]
        for l in range(len(grads.weights), 0, -1):
            for kind, manual, fd, change in (
                ("W", grads.weights, extrapolated.weights, numeric.step_change.weights),
                ("b", grads.biases, extrapolated.biases, numeric.step_change.biases),
            ):
                atol = finite_difference_atol(
                    np.float64, J, n_terms, numeric.step, change[l - 1], condition=condition
                )
                rows.append(
                    _entrywise(
                        _equation(kind, l, len(grads.weights)),
                        f"{QUANTITY[kind]}^({l}) [{output} head]", "cpu",
                        manual[l - 1], fd[l - 1], atol,
                    )
                )  # fmt: skip
    return rows


def _kink_checks(impl: Any, device: str) -> list[Check]:
    """h'(0): 1/2 equals the central difference at an exact kink; 0 equals PyTorch at zeros."""
    rows: list[Check] = []
    if device == "cpu":
        problem = make_problem((2, 3, 4, 3), 1, seed=11)
        params = problem.params.copy()
        params.weights[0][:, 0] = [2.0, -1.0]
        params.biases[0][0] = 0.0
        X, Y = np.array([[1.0, 2.0]]), np.array([1])  # z^(1)_0 = 2 - 2 = 0 exactly
        J, half = impl.gradients(params, X, Y, relu_grad_at_zero=0.5)
        numeric = finite_difference_gradients(params, X, Y, step=kink_step(np.float64))
        atol = finite_difference_atol(
            np.float64, J, 3, numeric.step, numeric.step_change.biases[0][0], order=1
        )
        row = _entrywise(
            "(2)", "h'(0)=1/2: dJ/db^(1)_0 at z=0", "cpu",
            half.biases[0][:1], numeric.grads.biases[0][:1], atol,
        )  # fmt: skip
        rows.append(row)
    rng = np.random.default_rng(5)
    sizes = (6, 8, 8, 4)
    integer = Params(
        [rng.integers(-1, 2, (m, n)).astype(np.float64) for m, n in zip(sizes[:-1], sizes[1:])],
        [rng.integers(-1, 2, n).astype(np.float64) for n in sizes[1:]],
    )
    X = rng.integers(-1, 2, (16, sizes[0])).astype(np.float64)
    Y = rng.integers(0, sizes[-1], 16)
    problem = Problem(integer, X, Y)
    oracle = trace(integer, X, Y, device=device)
    params, Xd, Yd = _on_device(problem, device)
    with no_tf32():
        _, zero = impl.gradients(params, Xd, Yd, relu_grad_at_zero=0.0)
    rows.append(
        _relative(
            "(2)", "h'(0)=0: dJ/dW^(1) at exact zeros", f"autograd ({device})", device, "float64",
            zero.weights[0], oracle.grads.weights[0], parity_rtol(np.float64, sizes, 16),
        )
    )  # fmt: skip
    return rows


def _random_architecture(depth: int, seed: int) -> tuple[int, ...]:
    rng = np.random.default_rng(seed + 1000 * depth)
    return tuple(int(n) for n in rng.integers(3, 40, depth + 1))


def run_checks(
    devices: Sequence[str] = ("cpu",),
    dtypes: Sequence[str] = ("float64", "float32"),
    seed: int = 0,
    implementation: Any = None,
    progress: Callable[[str], None] | None = None,
) -> list[Check]:
    """Run every check; return the rows.

    Parameters
    ----------
    devices : sequence of {"cpu", "cuda"}
    dtypes : sequence of {"float64", "float32"}
        The finite-difference and kink rows run in float64 on the CPU whatever is chosen.
    seed : int
        Seed of every problem.
    implementation : object with ``forward``, ``deltas``, ``gradients``, ``gradients_per_example``
        The code under test; :mod:`manual_backprop` by default. (The failure test passes a
        deliberately wrong one.)
    """
    impl = implementation or SimpleNamespace(
        forward=manual_backprop.forward,
        deltas=manual_backprop.deltas,
        gradients=manual_backprop.gradients,
        gradients_per_example=manual_backprop.gradients_per_example,
    )
    rows: list[Check] = []
    for device in devices:
        for dtype_name in dtypes:
            dtype = np.dtype(dtype_name)
            if progress:
                progress(f"{device} {dtype_name}")
            for output, targets in (("softmax", "one_hot"), ("softmax", "soft"), ("relu", "soft")):
                problem = make_problem(
                    DERIVATION_LAYER_SIZES, BATCH_SIZE, dtype=dtype, output=output,
                    targets=targets, seed=seed,
                )  # fmt: skip
                tag = f" [{output}, {targets.replace('_', '-')}]"
                rows += _trace_checks(impl, problem, output, targets, device, dtype_name, tag)
            for depth in RANDOM_DEPTHS:
                sizes = _random_architecture(depth, seed)
                problem = make_problem(sizes, BATCH_SIZE, dtype=dtype, targets="soft", seed=seed)
                tag = f" [{'-'.join(map(str, sizes))}]"
                rows += [
                    row
                    for row in _trace_checks(
                        impl, problem, "softmax", "soft", device, dtype_name, tag
                    )
                    if row.quantity.startswith(("delta", "dJ/dW"))
                ]
            problem = make_problem(DERIVATION_LAYER_SIZES, BATCH_SIZE, dtype=dtype, seed=seed)
            rows += _per_example_check(impl, problem, device, dtype_name)
        if progress:
            progress(f"{device} h'(0)")
        rows += _kink_checks(impl, device)
    if progress:
        progress("central differences")
    rows += _finite_difference_checks(impl, seed)
    return rows


def environment(devices: Sequence[str], seed: int) -> dict[str, Any]:
    """Versions, BLAS, CPU and GPU of this run: what a reader needs to reproduce it."""
    blas: Any = None
    try:
        config = np.show_config(mode="dicts")
        blas = config.get("Build Dependencies", {}).get("blas") if config else None
    except (TypeError, ValueError):  # numpy < 1.26
        blas = None
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    env: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "manual_backprop": manual_backprop.__version__,
        "blas": blas,
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "seed": seed,
        "devices": list(devices),
        "tf32": {
            "oracle": "off (matmul and cuDNN, during every check)",
            "default_matmul": bool(torch.backends.cuda.matmul.allow_tf32),
            "default_cudnn": bool(torch.backends.cudnn.allow_tf32),
        },
        "gpu": None,
        "cuda": None,
    }
    if "cuda" in devices and torch.cuda.is_available():
        env["gpu"] = torch.cuda.get_device_name(0)
        env["cuda"] = torch.version.cuda
    return env


def certificate(rows: Sequence[Check], devices: Sequence[str], seed: int) -> dict[str, Any]:
    """The JSON document: ``environment``, ``checks`` and the top-level ``passed``."""
    return {
        "schema": "manual-backprop-certificate/1",
        "derivation": "shared/seed/000_f168219973182968.txt (M. Garg, Assignment 4, 2023)",
        "environment": environment(devices, seed),
        "checks": [asdict(row) for row in rows],
        "passed": all(row.passed for row in rows),
        "summary": {
            "checks": len(rows),
            "failed": sum(not row.passed for row in rows),
        },
    }


def format_table(rows: Sequence[Check]) -> str:
    """The per-equation table, one row per check, "exact? close? max diff" style."""
    headers = ["equation", "quantity", "oracle", "device", "dtype", "max abs err",
               "max rel err", "tolerance", "result"]  # fmt: skip
    body = [
        [
            row.equation,
            row.quantity,
            row.oracle,
            row.device,
            row.dtype,
            f"{row.max_abs_err:.2e}",
            f"{row.max_rel_err:.2e}",
            f"{'atol ' if row.criterion == 'abs' else ''}{row.tolerance:.2e}",
            "PASS" if row.passed else "FAIL",
        ]
        for row in rows
    ]
    widths = [
        max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in body]
    return "\n".join(lines)
