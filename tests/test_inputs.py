"""Bad input gets a clear TypeError/ValueError naming the argument; inputs are never mutated;
float32 stays float32; huge logits stay finite and correct."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import torch_reference
from manual_backprop import (
    Params,
    deltas,
    forward,
    gradients,
    gradients_per_example,
    init_params,
)
from manual_backprop.checks.jax_oracle import jax_gradients
from manual_backprop.checks.problems import make_problem
from manual_backprop.checks.tolerances import parity_rtol
from tests.helpers import assert_close, assert_params_close

ENTRY_POINTS: dict[str, Callable[..., Any]] = {
    "gradients": gradients,
    "gradients_per_example": gradients_per_example,
    "deltas": deltas,
    "oracle": torch_reference.gradients,
    "jax_oracle": jax_gradients,
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
NAN_W = P.weights[0].copy()
NAN_W[4, 3] = np.nan

BAD_INPUTS: list[tuple[str, Any, Any, Any, dict[str, Any], type, str]] = [
    # (what, params, X, Y, options, error, the whole message as a regular expression)
    ("X too wide", P, np.zeros((6, 6)), Y, {}, ValueError,
     r"X must have n_0 = 5 columns to match params.weights\[0\], got shape \(6, 6\)"),
    ("X 1-D", P, np.zeros(5), Y[:1], {}, ValueError,
     r"X must be 2-D of shape \(B, 5\), got shape \(5,\)"),
    ("X not an array", P, [[0.0] * 5] * 6, Y, {}, TypeError,
     r"X must be an array \(NumPy or another array-API library\), got list: use np.asarray\(X\)"),
    ("X a tuple", P, tuple(map(tuple, X)), Y, {}, TypeError,
     r"X must be an array \(NumPy or another array-API library\), got tuple: "
     r"use np.asarray\(X\)"),
    ("X of integers", P, np.ones((6, 5), dtype=np.int64), Y, {}, TypeError,
     r"X must have the params' dtype float64, got int64: convert it first, "
     r"X.astype\(np.float64\)"),
    ("X of booleans", P, X > 0, Y, {}, TypeError,
     r"X must have the params' dtype float64, got bool: convert it first, "
     r"X.astype\(np.float64\)"),
    ("X of integers, float32 params", Params([w.astype(np.float32) for w in P.weights],
                                             [b.astype(np.float32) for b in P.biases]),
     np.ones((6, 5), dtype=np.uint8), Y, {}, TypeError,
     r"X must have the params' dtype float32, got uint8: convert it first, "
     r"X.astype\(np.float32\)"),
    ("X from another library", P, torch.zeros(6, 5, dtype=torch.float64), Y, {}, TypeError,
     r"X must come from the same array library as params \(numpy\), got torch"),
    ("X float32 with float64 params", P, X.astype(np.float32), Y, {}, TypeError,
     r"X must have the params' dtype float64, got float32"),
    ("empty batch", P, np.zeros((0, 5)), Y[:0], {}, ValueError,
     r"X is an empty batch \(shape \(0, 5\)\); B must be >= 1"),
    ("NaN in X", P, NAN_X, Y, {}, ValueError, r"X must be finite, but it contains NaN or Inf"),
    ("Inf in a weight", _with(P, weights={1: INF_W}), X, Y, {}, ValueError,
     r"params.weights\[1\] must be finite, but it contains NaN or Inf"),
    ("NaN in the first weight", _with(P, weights={0: NAN_W}), X, Y, {}, ValueError,
     r"params.weights\[0\] must be finite, but it contains NaN or Inf"),
    ("-Inf in a bias", _with(P, biases={0: np.array([0.0, -np.inf, 0.0, 0.0])}), X, Y, {},
     ValueError, r"params.biases\[0\] must be finite, but it contains NaN or Inf"),
    ("weights do not chain", _with(P, weights={1: np.zeros((3, 5))}), X, Y, {}, ValueError,
     r"params.weights do not chain: W\^2 has 3 rows but W\^1 has 4 columns "
     r"\(expected W\^2 of shape \(4, n_2\)\)"),
    ("bias of the wrong length", _with(P, biases={0: np.zeros(3)}), X, Y, {}, ValueError,
     r"params.biases\[0\] \(b\^1\) must have shape \(4,\), got \(3,\)"),
    ("weight not 2-D", _with(P, weights={0: np.zeros(5)}), X, Y, {}, ValueError,
     r"params.weights\[0\] \(W\^1\) must be 2-D \(n_0, n_1\), got shape \(5,\)"),
    ("weight with a zero dimension", _with(P, weights={0: np.zeros((5, 0))}), X, Y, {},
     ValueError, r"params.weights\[0\] \(W\^1\) has an empty shape \(5, 0\)"),
    ("weight with no rows", _with(P, weights={0: np.zeros((0, 4))}), X, Y, {},
     ValueError, r"params.weights\[0\] \(W\^1\) has an empty shape \(0, 4\)"),
    ("first weight not an array", _with(P, weights={0: [[0.0] * 4] * 5}), X, Y, {}, TypeError,
     r"params.weights\[0\] must be an array \(NumPy or another array-API library\), got list: "
     r"use np.asarray\(params.weights\[0\]\)"),
    ("weight not an array", _with(P, weights={1: [[0.0] * 3] * 4}), X, Y, {}, TypeError,
     r"params.weights\[1\] must be an array \(NumPy or another array-API library\), got list: "
     r"use np.asarray\(params.weights\[1\]\)"),
    ("weights in nn.Linear's layout", Params([w.T.copy() for w in P.weights], P.biases), X, Y,
     {}, ValueError, r"params.weights look transposed: each W\^l has the shape \(n_l, "
     r"n_\{l-1\}\) of torch.nn.Linear.weight \(W\^1 \(4, 5\), W\^2 \(3, 4\)\), but the "
     r"layout here is \(n_\{l-1\}, n_l\): pass lin.weight.T for each nn.Linear"),
    ("one weight in nn.Linear's layout", Params([P.weights[0].T.copy()], [P.biases[0]]),
     X, np.zeros(6, dtype=np.int64), {}, ValueError,
     r"params.weights look transposed: each W\^l has the shape \(n_l, n_\{l-1\}\) of "
     r"torch.nn.Linear.weight \(W\^1 \(4, 5\)\), but the layout here is \(n_\{l-1\}, n_l\): "
     r"pass lin.weight.T for each nn.Linear"),
    ("a bias of None", _with(P, biases={0: None}), X, Y, {}, TypeError,
     r"params.biases\[0\] \(b\^1\) is None: pass a layer without a bias \(nn.Linear\(..., "
     r"bias=False\)\) as zeros of shape \(4,\) in W\^1's library, dtype and device "
     r"\(np.zeros\(4, dtype=W.dtype\), torch.zeros\(4, dtype=W.dtype, device=W.device\)\), "
     r"and leave its gradient out of the update"),
    ("weights from two libraries", _with(P, weights={1: torch.zeros(4, 3, dtype=torch.float64)}),
     X, Y, {}, TypeError, r"params arrays must all come from one array library: "
     r"params.weights\[0\] is numpy, params.weights\[1\] is torch"),
    ("mixed dtypes", _with(P, biases={1: np.zeros(3, np.float32)}), X, Y, {}, TypeError,
     r"params must share one dtype \(float64\); params.weights\[1\] is float64 and "
     r"params.biases\[1\] is float32"),
    ("integer weights",
     Params([w.astype(int) for w in P.weights], [b.astype(int) for b in P.biases]), X, Y, {},
     TypeError, r"params.weights\[0\] must be float32 or float64, got int64"),
    ("float16 params", Params([w.astype(np.float16) for w in P.weights],
                              [b.astype(np.float16) for b in P.biases]),
     X.astype(np.float16), Y, {}, TypeError,
     r"params.weights\[0\] must be float32 or float64, got float16"),
    ("no layers", Params([], []), X, Y, {}, ValueError,
     r"params must have at least one layer, got no weights"),
    ("one bias missing", Params(P.weights, P.biases[:1]), X, Y, {}, ValueError,
     r"params must have one bias per weight, got 2 weights and 1 biases"),
    ("not Params", (P.weights, P.biases), X, Y, {}, TypeError,
     r"params must be a manual_backprop.Params, got tuple"),
    ("label out of range", P, X, np.array([0, 1, 2, 3, 0, 1]), {}, ValueError,
     r"Y labels must lie in 0 .. 2 \(n_L = 3 classes\), got values in 0 .. 3"),
    ("negative label", P, X, np.array([0, 1, -1, 2, 0, 1]), {}, ValueError,
     r"Y labels must lie in 0 .. 2 \(n_L = 3 classes\), got values in -1 .. 2"),
    ("float labels", P, X, Y.astype(np.float64), {}, TypeError,
     r"Y of shape \(B,\) holds class labels and must have an integer dtype, got float64"),
    ("labels as a column", P, X, Y[:, None], {}, ValueError,
     r"Y of an integer dtype holds class labels and must have shape \(B,\) = \(6,\), "
     r"got shape \(6, 1\) \(a column: use Y\[:, 0\]\)"),
    ("integer one-hot targets", P, X, np.eye(3, dtype=np.int64)[Y], {}, ValueError,
     r"Y of an integer dtype holds class labels and must have shape \(B,\) = \(6,\), "
     r"got shape \(6, 3\) \(one-hot targets of shape \(B, n_L\) must be floating: give Y "
     r"in float64\)"),
    ("2-D integer targets of another width", P, X, np.ones((6, 2), dtype=np.int64), {},
     ValueError, r"Y of an integer dtype holds class labels and must have shape \(B,\) = "
     r"\(6,\), got shape \(6, 2\)"),
    ("np.matrix X", P, X.view(np.matrix), Y, {}, TypeError,
     r"X is a numpy.matrix, which is not supported: use np.asarray\(X\)"),
    ("np.matrix first weight", _with(P, weights={0: P.weights[0].view(np.matrix)}), X, Y, {},
     TypeError, r"params.weights\[0\] is a numpy.matrix, which is not supported: "
     r"use np.asarray\(params.weights\[0\]\)"),
    ("np.matrix weight", _with(P, weights={1: P.weights[1].view(np.matrix)}), X, Y, {}, TypeError,
     r"params.weights\[1\] is a numpy.matrix, which is not supported: "
     r"use np.asarray\(params.weights\[1\]\)"),
    ("np.matrix targets", P, X, np.eye(3)[Y].view(np.matrix), {}, TypeError,
     r"Y is a numpy.matrix, which is not supported: use np.asarray\(Y\)"),
    ("Y not an array", P, X, list(Y), {}, TypeError,
     r"Y must be an array \(NumPy or another array-API library\), got list: use np.asarray\(Y\)"),
    ("Y a tuple", P, X, tuple(Y), {}, TypeError,
     r"Y must be an array \(NumPy or another array-API library\), got tuple: "
     r"use np.asarray\(Y\)"),
    ("Y from another library", P, X, torch.from_numpy(Y), {}, TypeError,
     r"Y must come from the same array library as X \(numpy\), got torch"),
    ("too few labels", P, X, Y[:5], {}, ValueError, r"Y must hold B = 6 labels, got 5"),
    ("boolean targets", P, X, np.eye(3, dtype=bool)[Y], {}, TypeError,
     r"Y of shape \(B, n_L\) holds float targets and must have a floating dtype, got bool"),
    ("targets of the wrong shape", P, X, np.ones((6, 4)), {}, ValueError,
     r"Y targets must have shape \(B, n_L\) = \(6, 3\), got \(6, 4\)"),
    ("negative targets", P, X, -np.eye(3)[Y], {}, ValueError,
     r"Y targets must be non-negative \(one-hot or soft rows\), got a minimum of -1.0"),
    ("NaN in targets", P, X, np.full((6, 3), np.nan), {}, ValueError,
     r"Y must be finite, but it contains NaN or Inf"),
    ("3-D targets", P, X, np.ones((6, 3, 1)), {}, ValueError,
     r"Y must be labels of shape \(B,\) = \(6,\) or targets of shape \(B, n_L\) = "
     r"\(6, 3\), got shape \(6, 3, 1\)"),
    ("unknown output", P, X, Y, {"output": "sigmoid"}, ValueError,
     r"output must be one of \('softmax', 'relu'\), got 'sigmoid'"),
    ("unknown reduction", P, X, Y, {"reduction": "max"}, ValueError,
     r"reduction must be one of \('sum', 'mean'\), got 'max'"),
]  # fmt: skip


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize(
    ("params", "X", "Y", "options", "error", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUTS],
)
def test_bad_input_is_refused_with_a_clear_error(
    entry: str, params: Any, X: Any, Y: Any, options: dict[str, Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=f"^{message}$"):
        ENTRY_POINTS[entry](params, X, Y, **options)


@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan")])
def test_relu_grad_at_zero_outside_0_1_is_refused(value: float) -> None:
    with pytest.raises(ValueError, match="relu_grad_at_zero must lie in"):
        gradients(P, X, Y, relu_grad_at_zero=value)
    with pytest.raises(
        TypeError, match=r"^relu_grad_at_zero must be a real number, got str '0\.5'$"
    ):
        gradients(P, X, Y, relu_grad_at_zero="0.5")  # type: ignore[arg-type]


def test_forward_refuses_bad_input_too() -> None:
    with pytest.raises(ValueError, match="output must be one of"):
        forward(P, X, output="tanh")
    with pytest.raises(ValueError, match="X must have n_0"):
        forward(P, X[:, :3])


@pytest.mark.parametrize(
    ("argument", "error", "message"),
    [
        ({"layer_sizes": (5,)}, TypeError,
         r"layer_sizes must be a sequence of at least two ints \(n_0, \.\.\., n_L\), got \(5,\)"),
        ({"layer_sizes": (5, 2.0)}, TypeError,
         r"layer_sizes must be a sequence of at least two ints \(n_0, \.\.\., n_L\), "
         r"got \(5, 2\.0\)"),
        ({"layer_sizes": b"\x05\x03"}, TypeError,
         r"layer_sizes must be a sequence of at least two ints \(n_0, \.\.\., n_L\), "
         r"got b'\\x05\\x03'"),
        ({"layer_sizes": "53"}, TypeError,
         r"layer_sizes must be a sequence of at least two ints \(n_0, \.\.\., n_L\), got '53'"),
        ({"layer_sizes": (5, 0, 3)}, ValueError, r"layer_sizes must all be >= 1, got \(5, 0, 3\)"),
        ({"seed": 1.5}, TypeError, r"seed must be an int, got float"),
        ({"seed": "0"}, TypeError, r"seed must be an int, got str"),
        ({"seed": True}, TypeError, r"seed must be an int, got bool"),
        ({"dtype": np.int32}, TypeError, r"dtype must be a NumPy floating dtype, got int32"),
        ({"dtype": np.float16}, TypeError, r"dtype must be float32 or float64, got float16"),
        ({"layer_sizes": 64}, TypeError,
         r"layer_sizes must be a sequence of at least two ints \(n_0, \.\.\., n_L\), got 64"),
        ({"dtype": "float128x"}, TypeError,
         r"dtype must be a NumPy floating dtype, got 'float128x'"),
    ],
)  # fmt: skip
def test_init_params_refuses_bad_arguments_by_name(
    argument: dict[str, Any], error: type, message: str
) -> None:
    arguments: dict[str, Any] = {"layer_sizes": (3, 2), **argument}
    layer_sizes = arguments.pop("layer_sizes")
    with pytest.raises(error, match=f"^{message}$"):
        init_params(layer_sizes, **arguments)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_init_params_draws_he_scaled_weights_and_zero_biases(dtype: type) -> None:
    """w ~ Normal(0, 2 / n_in) (He et al. 2015); b = 0; the dtype asked for; seed 0 by default."""
    params = init_params((1000, 2000, 10), dtype=dtype)
    for W, n_in in zip(params.weights, (1000, 2000)):
        assert W.dtype == np.dtype(dtype)
        # the sample std of N entries has a relative standard error of 1 / sqrt(2N): 5 of them
        assert np.std(W) == pytest.approx(np.sqrt(2.0 / n_in), rel=5 / np.sqrt(2 * W.size))
        assert abs(np.mean(W)) <= 5 * np.sqrt(2.0 / n_in / W.size)
    for b in params.biases:
        assert b.dtype == np.dtype(dtype) and not np.any(b)
    again = init_params((1000, 2000, 10), seed=0, dtype=dtype)
    np.testing.assert_array_equal(params.weights[1], again.weights[1])  # the default seed is 0


@pytest.mark.parametrize("entry", ["gradients", "gradients_per_example", "deltas"])
def test_relu_head_with_infinite_loss_names_the_example_and_class(entry: str) -> None:
    problem = make_problem((5, 4, 3), 6, output="relu", targets="soft", seed=1)
    params = problem.params.copy()
    params.biases[-1][2] = -50.0  # a^L[:, 2] = h(z) = 0 for every example (a softmax: ~1e-22)
    targets = problem.Y.copy()
    targets[:, 2] = 0.0
    targets[4, 2] = 1.0  # ... but example 4 wants class 2
    message = r"example 4 has target y\[4, 2\] > 0 but a\^L\[4, 2\]"
    with pytest.raises(ValueError, match=message):
        ENTRY_POINTS[entry](params, problem.X, targets, output="relu")
    outputs = forward(params, problem.X, output="relu").activations[-1]
    labels = np.argmax(outputs, axis=1)  # the same as labels: each example's largest output ...
    labels[4] = 2  # ... but example 4 is class 2, whose output is 0
    assert np.all(np.delete(outputs[np.arange(6), labels], 4) > 0)
    with pytest.raises(ValueError, match=message):
        ENTRY_POINTS[entry](params, problem.X, labels, output="relu")


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


def test_huge_finite_logits_warn_nothing_and_give_the_right_loss() -> None:
    """No check squares or sums the inputs, so logits near 1e300 raise no overflow warning."""
    params = Params([np.array([[1e300, -1e300, 0.0]])], [np.zeros(3)])
    X_huge = np.array([[1.0], [-1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        J, grads = gradients(params, X_huge, np.array([1, 1]))
        forward(params, X_huge)
    assert J == pytest.approx(2e300, rel=parity_rtol(np.float64, (1, 3), 2))
    np.testing.assert_array_equal(grads.weights[0], [[1.0, -1.0, 0.0]])  # X^T (a - y)


def test_an_overflow_inside_the_pass_is_named_as_such() -> None:
    """Finite inputs whose logits overflow: no NaN returned, a ValueError that says why."""
    params = Params([np.array([[1e308, -1e308, 0.0]]), np.array([[2.0], [2.0], [2.0]])],
                    [np.zeros(3), np.zeros(1)])  # fmt: skip
    with pytest.raises(
        ValueError,
        match=r"^J, a gradient or a sum of pre-activations is NaN or Inf although every input is "
        r"finite and valid: the pass overflowed \(inputs or weights too large for the dtype\)$",
    ):
        gradients(params, np.array([[10.0]]), np.array([[1.0]]), output="relu")


def test_each_row_of_logits_is_shifted_by_its_own_maximum() -> None:
    """eq. (34) computed stably row by row: a row whose logits sit 1000 below another's.

    Shifting every row by the batch's largest logit would send exp() of the low row to 0 and
    its log to -inf: J would come out infinite.
    """
    params = Params([np.array([[1000.0, 999.0, 0.0]])], [np.zeros(3)])
    X_rows = np.array([[1.0], [0.0]])  # logits (1000, 999, 0) and (0, 0, 0)
    J, _ = gradients(params, X_rows, np.array([0, 0]))
    expected = np.log1p(np.exp(-1.0) + np.exp(-1000.0)) + np.log(3.0)
    assert J == pytest.approx(expected, rel=parity_rtol(np.float64, (1, 3), 2))


def test_params_copy_shares_no_memory_with_the_original() -> None:
    """The no-mutation promise relies on it: a copy is new arrays, same dtypes and values."""
    original = make_problem((5, 4, 3), 2, seed=1).params
    copy = original.copy()
    for a, b in zip(original.weights + original.biases, copy.weights + copy.biases):
        assert not np.shares_memory(a, b)
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    copy.weights[0][0, 0] += 1.0
    assert copy.weights[0][0, 0] != original.weights[0][0, 0]


@pytest.mark.parametrize("targets", ["labels", "soft"])
def test_targets_are_always_a_new_array(targets: str) -> None:
    """The contract's "inputs are never modified" needs it: T never shares memory with Y."""
    from manual_backprop.validation import targets_from

    problem = make_problem((5, 4, 3), 6, targets=targets, seed=2)
    T = targets_from(problem.Y, problem.X, 3)
    assert T.shape == (6, 3) and T.dtype == problem.X.dtype
    assert not np.shares_memory(T, problem.Y)


def test_saved_and_loaded_params_are_checked_finite_layers_by_name(tmp_path: Any) -> None:
    """``save_params`` and ``load_params`` refuse what ``gradients`` would, naming the array."""
    from manual_backprop.serialization import load_params, save_params

    path = tmp_path / "params.npz"
    with pytest.raises(TypeError, match=r"^params must be a manual_backprop\.Params, got list$"):
        save_params(path, [P.weights, P.biases])  # type: ignore[arg-type]
    nan_bias = P.biases[1].copy()
    nan_bias[0] = np.nan
    message = r"^params\.biases\[1\] must be finite, but it contains NaN or Inf$"
    with pytest.raises(ValueError, match=message):
        save_params(path, _with(P, biases={1: nan_bias}))
    assert not path.exists()  # refused before anything is written
    np.savez(path, W1=P.weights[0], W2=INF_W, b1=P.biases[0], b2=P.biases[1])
    with pytest.raises(ValueError, match=r"^params\.weights\[1\] must be finite, but it contains"):
        load_params(path)


def test_the_oracle_names_a_device_it_cannot_use() -> None:
    with pytest.raises(
        ValueError, match=r"^device must be a torch device such as 'cpu' or 'cuda', got 'gpu0'$"
    ):
        torch_reference.gradients(P, X, Y, device="gpu0")
    if not torch.cuda.is_available():
        with pytest.raises(
            ValueError,
            match=r"^device 'cuda' was asked for, but torch.cuda.is_available\(\) is False: "
            r"this machine has no CUDA GPU, or torch .* is a CPU build$",
        ):
            torch_reference.gradients(P, X, Y, device="cuda")


def test_parameters_of_an_nn_module_give_plain_results(device: str) -> None:
    """Tensors that require grad (a ``torch.nn.Linear``'s): no warning, no autograd graph in
    the results, the same numbers as detached tensors, and the inputs keep ``requires_grad``."""
    torch.manual_seed(0)
    layers = [torch.nn.Linear(5, 4), torch.nn.Linear(4, 3)]
    layers = [layer.to(device=device, dtype=torch.float64) for layer in layers]
    params = Params([layer.weight.T for layer in layers], [layer.bias for layer in layers])
    X_t = torch.from_numpy(X).to(device)
    Y_t = torch.from_numpy(np.eye(3)[Y]).to(device).requires_grad_()  # targets may, too
    plain = Params([W.detach() for W in params.weights], [b.detach() for b in params.biases])
    for entry in ("gradients", "gradients_per_example", "deltas"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Converting a tensor with requires_grad=True ..."
            result = ENTRY_POINTS[entry](params, X_t, Y_t)
        expected = ENTRY_POINTS[entry](plain, X_t, Y_t.detach())
        if entry == "deltas":
            arrays, want = result, expected
        else:
            assert result[0] == expected[0]
            arrays = result[1].weights + result[1].biases
            want = expected[1].weights + expected[1].biases
        for got, reference in zip(arrays, want):
            assert got.grad_fn is None and not got.requires_grad
            assert torch.equal(got, reference)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        passed = forward(params, X_t)
    assert all(a.grad_fn is None for a in passed.pre_activations + passed.activations)
    assert all(layer.weight.requires_grad and layer.bias.requires_grad for layer in layers)
    assert params.weights[0].requires_grad and Y_t.requires_grad


def test_inputs_that_need_no_detaching_are_passed_through_as_they_are() -> None:
    """``detached`` hands back the very objects it was given when nothing requires grad (NumPy
    arrays, a tensor that does not, no targets): no new ``Params``, no copy."""
    from manual_backprop import init_params
    from manual_backprop.validation import detached

    params, X_np = init_params((5, 4, 3)), np.ones((2, 5))
    assert detached(params, X_np)[0] is params
    tensors = Params([torch.ones(5, 4)], [torch.ones(4)])
    same = detached(tensors, torch.ones(2, 5), None)
    assert same[0] is tensors and same[2] is None
