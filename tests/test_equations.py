"""Each equation of the derivation, checked on its own: the rows ``manual-backprop verify`` prints.

The oracles keep every ``Z^l`` and ``A^l`` of their forward pass and every ``dJ/dZ^l`` (torch
through ``retain_grad``, JAX through a zero added to each ``z^l``), so each delta is compared,
not only the final gradients. The rows come from :func:`torch_reference.claims.trace_checks`,
the same table and the same criterion as the certificate; a failure prints them as it does.
The tests after the table check what parity alone does not: exact identities, and what the
derivation's formulas say literally.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from manual_backprop import deltas, forward, gradients
from manual_backprop.activations import relu_grad
from manual_backprop.checks.error_scales import problem_rtol
from manual_backprop.checks.problems import DERIVATION_LAYER_SIZES, Problem, make_problem
from manual_backprop.gradients import parameter_gradients
from tests.helpers import assert_checks_pass, assert_close
from torch_reference.claims import TRACE_CASES, Check, trace_checks

BATCH_SIZE = 16
DEEP = (12, 11, 10, 9, 8, 6)  # L = 5: four applications of the general recursion (16)
#: The derivation's network on every head and target kind, and one deeper network for eq. (16).
CASES = (*TRACE_CASES, ("relu", "labels"))

#: Equation -> what it says (the test id). Every one must have rows, and every row must pass.
CLAIMS = {
    "(3)": "z1 = x W1 + b1",
    "(4),(6)": "a = h(z) on hidden layers",
    "(5)": "z2 = a1 W2 + b2",
    "(7)": "z3 = a2 W3 + b3",
    "(8)": "ReLU output a3 = h(z3)",
    "(34)": "softmax output",
    "(16)": "delta recursion at depth 5",
    "(23)": "ReLU head delta h'(z) (-y/a)",
    "(24)": "delta2",
    "(25)": "delta1",
    "(42)": "softmax delta a sum(y) - y",
    "(44)": "softmax delta a - y",
    "(26)": "dJ/dW3",
    "(27)": "dJ/dW2",
    "(28)": "dJ/dW1",
    "(29)": "dJ/db3",
    "(30)": "dJ/db2",
    "(31)": "dJ/db1",
    "(18)/(19)": "J of the ReLU head",
    "(18)/(33)": "J of the softmax head",
}


@functools.cache
def _rows(oracle: str, device: str, dtype: str, reduction: str) -> tuple[Check, ...]:
    """Every trace row of the derivation's network (all cases) and of the deep network."""
    rows: list[Check] = []
    for output, targets in CASES:
        problem = make_problem(
            DERIVATION_LAYER_SIZES, BATCH_SIZE, dtype=np.dtype(dtype), output=output,
            targets=targets, seed=7,
        )  # fmt: skip
        rows += trace_checks(
            problem, output, targets, device, oracle=oracle, reduction=reduction,
            tag=f" [{output}, {targets}, {reduction}]",
        )  # fmt: skip
    deep = make_problem(DEEP, BATCH_SIZE, dtype=np.dtype(dtype), targets="soft", seed=7)
    rows += trace_checks(deep, "softmax", "soft", device, oracle=oracle, reduction=reduction)
    return tuple(rows)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("equation", sorted(CLAIMS), ids=[CLAIMS[e] for e in sorted(CLAIMS)])
def test_equation_holds_against_the_oracle(
    oracle: tuple[str, str], equation: str, dtype: str, reduction: str
) -> None:
    name, device = oracle
    assert_checks_pass(
        [row for row in _rows(name, device, dtype, reduction) if row.equation == equation]
    )


# --- What parity alone does not show ----------------------------------------------------------


def _problem(output: str, targets: str) -> tuple[Problem, float]:
    problem = make_problem(
        DERIVATION_LAYER_SIZES, BATCH_SIZE, output=output, targets=targets, seed=7
    )
    return problem, problem_rtol(problem.params, problem.X, problem.Y, output)


def test_relu_derivative_is_sign_plus_one_over_two_eq_2() -> None:
    z = np.array([-3.0, -0.0, 0.0, 2.5])
    np.testing.assert_array_equal(relu_grad(z), (np.sign(z) + 1) / 2)  # eq. (2)/(32)
    np.testing.assert_array_equal(relu_grad(z, at_zero=0.0), [0.0, 0.0, 0.0, 1.0])  # PyTorch's
    np.testing.assert_array_equal(relu_grad(z, at_zero=1.0), [0.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(relu_grad(z, at_zero=0.25), [0.0, 0.25, 0.25, 1.0])


@pytest.mark.parametrize("at_zero", [0.0, 0.25, 0.5, 1.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_derivative_keeps_the_dtype_for_every_convention(dtype: type, at_zero: float) -> None:
    z: np.ndarray = np.array([-1.0, 0.0, 2.0], dtype=dtype)
    h_prime = relu_grad(z, at_zero)
    assert h_prime.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(h_prime, np.array([0.0, at_zero, 1.0], dtype=dtype))


def test_parameter_gradients_from_kept_deltas_are_the_batched_gradients_eqs_26_31() -> None:
    """``parameter_gradients`` (used by the error scales) applies eqs. (26)-(31) layer by layer."""
    problem, _ = _problem("softmax", "soft")
    params, X, Y = problem.params, problem.X, problem.Y
    passed, all_deltas = forward(params, X), deltas(params, X, Y)
    grads = parameter_gradients(passed.activations, all_deltas)
    _, expected = gradients(params, X, Y)
    assert len(grads.weights) == len(expected.weights) == 3
    for got, want in zip(grads.weights + grads.biases, expected.weights + expected.biases):
        np.testing.assert_array_equal(got, want)  # the same functions: the same bits


def test_hidden_activations_are_non_negative_and_softmax_rows_sum_to_one() -> None:
    problem, rtol = _problem("softmax", "labels")
    passed = forward(problem.params, problem.X)
    for l in (1, 2):
        assert np.all(passed.activations[l] >= 0)  # eqs. (4), (6): a = max(0, z)
    assert_close(passed.activations[-1].sum(axis=1), np.ones(BATCH_SIZE), rtol, "eq. (34) sums")


def test_relu_head_delta_is_h_prime_times_minus_y_over_a_eq23() -> None:
    problem, rtol = _problem("relu", "soft")
    manual = deltas(problem.params, problem.X, problem.Y, output="relu", relu_grad_at_zero=0.0)
    passed = forward(problem.params, problem.X, output="relu")
    Z_L, A_L, Y = passed.pre_activations[-1], passed.activations[-1], problem.Y
    dJ_da = np.where(Y > 0, -Y / np.where(Y > 0, A_L, 1.0), 0.0)  # eq. (21), 0 where y = 0
    assert_close(manual[-1], relu_grad(Z_L, 0.0) * dJ_da, rtol, "eq. (23), literally")


def test_softmax_delta_is_a_minus_y_eq44() -> None:
    problem, _ = _problem("softmax", "one_hot")
    manual = deltas(problem.params, problem.X, problem.Y)[-1]
    a_L = forward(problem.params, problem.X).activations[-1]
    np.testing.assert_array_equal(manual, a_L - problem.Y)  # eq. (44), exactly


def test_softmax_delta_for_unnormalised_targets_eq42() -> None:
    problem, rtol = _problem("softmax", "soft")
    assert not np.allclose(problem.Y.sum(axis=1), 1.0)  # eq. (44) would be wrong here
    manual = deltas(problem.params, problem.X, problem.Y)[-1]
    a_L = forward(problem.params, problem.X).activations[-1]
    assert_close(manual, a_L * problem.Y.sum(axis=1, keepdims=True) - problem.Y, rtol, "eq. (42)")
    assert not np.allclose(manual, a_L - problem.Y)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("output", ["softmax", "relu"])
def test_loss_is_the_summed_cross_entropy_eq_18(output: str, reduction: str) -> None:
    problem, rtol = _problem(output, "soft")
    J, _ = gradients(problem.params, problem.X, problem.Y, output=output, reduction=reduction)
    a_L = forward(problem.params, problem.X, output=output).activations[-1]
    terms = np.where(problem.Y > 0, problem.Y * np.log(np.where(problem.Y > 0, a_L, 1.0)), 0.0)
    expected = -terms.sum() / (BATCH_SIZE if reduction == "mean" else 1)  # eq. (18), literally
    assert_close(J, expected, rtol, "J, eq. (18)")
