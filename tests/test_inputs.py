"""Bad input gets a clear TypeError/ValueError naming the argument; inputs are never mutated;
float32 stays float32; huge logits stay finite and correct."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import torch_reference
from manual_backprop import Params, deltas, forward, gradients, gradients_per_example, init_params
from manual_backprop.checks.problems import make_problem
from manual_backprop.checks.tolerances import parity_rtol
from tests.helpers import assert_close, assert_params_close

ENTRY_POINTS: dict[str, Callable[..., Any]] = {
    "gradients": gradients,
    "gradients_per_example": gradients_per_example,
    "deltas": deltas,
    "oracle": torch_reference.gradients,
}


def _good() -> tuple[Params, np.ndarray, np.ndarray]:
    problem = make_problem((5, 4, 3), 6, seed=1)
    return problem.params, problem.X, problem.Y


def _with(
    params: Params, *, weights: dict[int, Any] | None = None, biases: dict[int, Any] | None = None
) -> Params:
    new = params.copy()
    for i, w in (weights or {}).items():
        new.weights[i] = w
    for i, b in (biases or {}).items():
        new.biases[i] = b
    return new


P, X, Y = _good()
NAN_X = X.copy()
NAN_X[2, 1] = np.nan
INF_W = P.weights[1].copy()
INF_W[0, 0] = np.inf

BAD_INPUTS: list[tuple[str, Any, Any, Any, dict[str, Any], type, str]] = [
    ("X too wide", P, np.zeros((6, 6)), Y, {}, ValueError, "X must have n_0 = 5"),
    ("X 1-D", P, np.zeros(5), Y[:1], {}, ValueError, "X must be 2-D"),
    ("X not an array", P, [[0.0] * 5] * 6, Y, {}, TypeError, "X must be an array"),
    (
        "X float32 with float64 params",
        P,
        X.astype(np.float32),
        Y,
        {},
        TypeError,
        "X must have the params' dtype",
    ),
    ("empty batch", P, np.zeros((0, 5)), Y[:0], {}, ValueError, "empty batch"),
    ("NaN in X", P, NAN_X, Y, {}, ValueError, "X must be finite"),
    (
        "Inf in a weight",
        _with(P, weights={1: INF_W}),
        X,
        Y,
        {},
        ValueError,
        r"params.weights\[1\] must be finite",
    ),
    (
        "weights do not chain",
        _with(P, weights={1: np.zeros((3, 3))}),
        X,
        Y,
        {},
        ValueError,
        "do not chain",
    ),
    (
        "bias of the wrong length",
        _with(P, biases={0: np.zeros(3)}),
        X,
        Y,
        {},
        ValueError,
        r"params.biases\[0\] \(b\^1\) must have shape \(4,\)",
    ),
    ("weight not 2-D", _with(P, weights={0: np.zeros(5)}), X, Y, {}, ValueError, "must be 2-D"),
    (
        "mixed dtypes",
        _with(P, biases={1: np.zeros(3, np.float32)}),
        X,
        Y,
        {},
        TypeError,
        "share one dtype",
    ),
    (
        "integer weights",
        Params([w.astype(int) for w in P.weights], [b.astype(int) for b in P.biases]),
        X,
        Y,
        {},
        TypeError,
        r"params.weights\[0\] must be float32 or float64, got int64",
    ),
    (
        "one bias missing",
        Params(P.weights, P.biases[:1]),
        X,
        Y,
        {},
        ValueError,
        "one bias per weight",
    ),
    (
        "not Params",
        (P.weights, P.biases),
        X,
        Y,
        {},
        TypeError,
        "params must be a manual_backprop.Params",
    ),
    (
        "label out of range",
        P,
        X,
        np.array([0, 1, 2, 3, 0, 1]),
        {},
        ValueError,
        r"Y labels must lie in 0 .. 2",
    ),
    (
        "negative label",
        P,
        X,
        np.array([0, 1, -1, 2, 0, 1]),
        {},
        ValueError,
        r"Y labels must lie in 0 .. 2",
    ),
    ("float labels", P, X, Y.astype(np.float64), {}, TypeError, "integer dtype"),
    ("too few labels", P, X, Y[:5], {}, ValueError, "Y must hold B = 6 labels"),
    (
        "targets of the wrong shape",
        P,
        X,
        np.ones((6, 4)),
        {},
        ValueError,
        r"shape \(B, n_L\) = \(6, 3\)",
    ),
    ("negative targets", P, X, -np.eye(3)[Y], {}, ValueError, "non-negative"),
    ("NaN in targets", P, X, np.full((6, 3), np.nan), {}, ValueError, "Y must be finite"),
    ("3-D targets", P, X, np.ones((6, 3, 1)), {}, ValueError, "Y must be labels of shape"),
    ("unknown output", P, X, Y, {"output": "sigmoid"}, ValueError, "output must be one of"),
    ("unknown reduction", P, X, Y, {"reduction": "max"}, ValueError, "reduction must be one of"),
]


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize(
    ("params", "X", "Y", "options", "error", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUTS],
)
def test_bad_input_is_refused_with_a_clear_error(
    entry: str, params: Any, X: Any, Y: Any, options: dict[str, Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        ENTRY_POINTS[entry](params, X, Y, **options)


@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan")])
def test_relu_grad_at_zero_outside_0_1_is_refused(value: float) -> None:
    with pytest.raises(ValueError, match="relu_grad_at_zero must lie in"):
        gradients(P, X, Y, relu_grad_at_zero=value)
    with pytest.raises(TypeError, match="relu_grad_at_zero must be a real number"):
        gradients(P, X, Y, relu_grad_at_zero="0.5")  # type: ignore[arg-type]


def test_forward_refuses_bad_input_too() -> None:
    with pytest.raises(ValueError, match="output must be one of"):
        forward(P, X, output="tanh")
    with pytest.raises(ValueError, match="X must have n_0"):
        forward(P, X[:, :3])


@pytest.mark.parametrize(
    ("sizes", "error", "message"),
    [
        ((5,), TypeError, "at least two"),
        ((5, 0, 3), ValueError, ">= 1"),
        ((5, 2.0), TypeError, "ints"),
    ],
)
def test_init_params_refuses_bad_layer_sizes(
    sizes: tuple[Any, ...], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        init_params(sizes)


def test_init_params_refuses_a_non_float_dtype() -> None:
    with pytest.raises(TypeError, match="floating dtype"):
        init_params((3, 2), dtype=np.int32)


@pytest.mark.parametrize("per_example", [False, True])
def test_relu_head_with_infinite_loss_names_the_example_and_class(per_example: bool) -> None:
    problem = make_problem((5, 4, 3), 6, output="relu", targets="soft", seed=1)
    params = problem.params.copy()
    params.biases[-1][2] = -1e3  # a^L[:, 2] = 0 for every example
    targets = problem.Y.copy()
    targets[:, 2] = 0.0
    targets[4, 2] = 1.0  # ... but example 4 wants class 2
    entry = gradients_per_example if per_example else gradients
    with pytest.raises(ValueError, match=r"example 4 has target y\[4, 2\] > 0 but a\^L\[4, 2\]"):
        entry(params, problem.X, targets, output="relu")


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("targets", ["labels", "soft"])
def test_inputs_are_never_mutated(entry: str, targets: str) -> None:
    problem = make_problem((5, 4, 3), 6, targets=targets, seed=2)
    before = problem.params.copy(), problem.X.copy(), problem.Y.copy()
    ENTRY_POINTS[entry](problem.params, problem.X, problem.Y, reduction="mean")
    for a, b in zip(
        problem.params.weights + problem.params.biases, before[0].weights + before[0].biases
    ):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(problem.X, before[1])
    np.testing.assert_array_equal(problem.Y, before[2])


@pytest.mark.parametrize("entry", ["gradients", "gradients_per_example", "oracle"])
def test_float32_in_gives_float32_out(entry: str) -> None:
    problem = make_problem((5, 4, 3), 6, dtype=np.float32, seed=3)
    J, grads = ENTRY_POINTS[entry](problem.params, problem.X, problem.Y)
    assert isinstance(J, float)
    assert all(g.dtype == np.float32 for g in grads.weights + grads.biases)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logits_of_1e4_give_finite_correct_results(dtype: type) -> None:
    # One layer, so z^L = X W + b exactly: logits of +-1e4.
    params = Params([np.array([[1e4, -1e4, 0.0]], dtype=dtype)], [np.zeros(3, dtype=dtype)])
    X: np.ndarray = np.array([[1.0], [-1.0]], dtype=dtype)
    Y = np.array([1, 1])  # example 0: true class has logit -1e4 (J = 2e4); example 1: J = 0
    J, grads = gradients(params, X, Y)
    assert np.isfinite(J) and all(np.all(np.isfinite(g)) for g in grads.weights + grads.biases)
    assert J == pytest.approx(2e4, rel=parity_rtol(dtype, (1, 3), 2))
    # a = softmax(z) is one-hot to within exp(-1e4) = 0, so delta = a - y (eq. 44) is exact:
    np.testing.assert_array_equal(deltas(params, X, Y)[-1], [[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]])
    J_ref, grads_ref = torch_reference.gradients(params, X, Y)
    assert_close(J, J_ref, parity_rtol(dtype, (1, 3), 2), "J")
    assert_params_close(grads, grads_ref, parity_rtol(dtype, (1, 3), 2), "logits 1e4")
