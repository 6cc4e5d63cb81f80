"""The tolerances are the formulas ``manual_backprop.checks.tolerances`` derives, to the number.

A parity test only shows that the error is below its tolerance, so a tolerance that grew (a
factor 3 for 2, an extra layer, the total target mass for a row's) would pass every such test
unnoticed. These tests pin each formula on examples small enough to work out by hand; the
numbers in them are worked out in the comments, not computed by the code under test.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from manual_backprop import Params, forward
from manual_backprop.checks.error_scales import (
    error_scales,
    output_condition,
    problem_rtol,
    term_magnitudes,
)
from manual_backprop.checks.problems import make_problem
from manual_backprop.checks.tolerances import (
    finite_difference_atol,
    machine_epsilon,
    normwise_error,
    parity_rtol,
    trajectory_rtol,
)
from tests.helpers import exactly

EPS64 = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)


def test_parity_rtol_is_2_depth_sqrt_inner_length_eps() -> None:
    # L = 3 layers, K = max(B = 8, 64, 32, 16, 10) = 64: 2 * 3 * 8 * eps
    assert parity_rtol(np.float64, (64, 32, 16, 10), 8) == exactly(48 * EPS64)
    # L = 2, K = B = 100 > every width: 2 * 2 * 10 * eps, in float32's eps
    assert parity_rtol(np.float32, (5, 4, 3), 100) == exactly(40 * EPS32)
    # the condition number multiplies it
    assert parity_rtol(np.float64, (5, 4, 3), 100, 2.5) == exactly(100 * EPS64)


def test_trajectory_rtol_is_steps_times_parity_rtol() -> None:
    # 300 steps of (64, 32, 10) at B = 16: 300 * 2 * 2 * 8 * eps
    assert trajectory_rtol(np.float64, (64, 32, 10), 16, 300) == exactly(9600 * EPS64)


def test_machine_epsilon_reads_any_librarys_dtype_by_name() -> None:
    torch = pytest.importorskip("torch")
    assert machine_epsilon(torch.float32) == EPS32
    assert machine_epsilon(torch.float64) == EPS64
    assert machine_epsilon(np.dtype("float32")) == EPS32
    strict = pytest.importorskip("array_api_strict")
    assert machine_epsilon(strict.float32) == EPS32


def test_finite_difference_atol_is_richardson_plus_rounding() -> None:
    # |D(2h) - D(h)| / (2^p - 1) + 2.5 * kappa * sqrt(N) * eps * (1 + |J|) / h
    step_change = np.array([3e-6, -6e-6])
    atol = finite_difference_atol(np.float64, -3.0, 16, 1e-5, step_change)  # p = 2, kappa = 1
    rounding = 2.5 * 4 * EPS64 * 4 / 1e-5
    np.testing.assert_allclose(atol, [1e-6 + rounding, 2e-6 + rounding], rtol=1e-15)
    atol = finite_difference_atol(np.float64, 1.0, 4, 1e-8, step_change, order=1, condition=3.0)
    rounding = 2.5 * 3 * 2 * EPS64 * 2 / 1e-8
    np.testing.assert_allclose(atol, [3e-6 + rounding, 6e-6 + rounding], rtol=1e-15)


def test_normwise_error_is_the_largest_difference_over_the_largest_scale() -> None:
    actual, expected = np.array([1.0, 2.5, -3.0]), np.array([1.0, 2.0, -4.0])
    assert normwise_error(actual, expected) == (1.0, 0.25)  # 1 / max|expected| = 1 / 4
    assert normwise_error(actual, expected, np.array([10.0, -20.0])) == (1.0, 0.05)
    assert normwise_error(actual, expected, np.zeros(3)) == (1.0, 1.0)  # a zero scale: absolute
    assert normwise_error(np.zeros(0), np.zeros(0)) == (0.0, 0.0)
    assert normwise_error(np.array([0.75]), np.array([0.5])) == (0.25, 0.5)  # a scale below 1
    tiny = float(np.float32(3e-8))  # float32 in: the difference is taken in float64, exactly
    ones, tinies = np.array([1.0], dtype=np.float32), np.array([tiny], dtype=np.float32)
    assert normwise_error(ones, tinies)[0] == 1.0 - tiny


# A 2-2-2 network, B = 2, small enough to run by hand:
#   X = [[1, 1], [2, -1]], W^1 = [[1, -1], [2, 1]], b^1 = [0, -0.5]
#   Z^1 = [[3, -0.5], [0, -3.5]] (an exact kink at Z^1[1, 0]), A^1 = [[3, 0], [0, 0]]
#   S^1 = |X| |W^1| + |b^1| = [[3, 2.5], [4, 3.5]]
X_HAND = np.array([[1.0, 1.0], [2.0, -1.0]])
W1_HAND, B1_HAND = np.array([[1.0, -1.0], [2.0, 1.0]]), np.array([0.0, -0.5])


def test_error_scales_of_the_softmax_head_by_hand() -> None:
    """W^2 has two equal columns, so the logits tie and every a = 1/2 exactly.

    Z^2 = [[3, 3], [0, 0]], S^2 = |A^1| |W^2| = [[3, 3], [0, 0]]; soft targets
    y = [[2, 0], [0.5, 1]], row masses m = [2, 1.5]; the largest logit term per row is [3, 0].
    Delta^2 scale = |a| m + y + 2 m |a| max_n S^2 = [[1 + 2 + 6, 1 + 0 + 6],
    [0.75 + 0.5 + 0, 0.75 + 1 + 0]] = [[9, 7], [1.25, 1.75]].
    Delta^1 scale = h'(Z^1) * (Delta^2 scale @ |W^2|.T) = [[1, 0], [1/2, 0]] * [[16, 16], [3, 3]]
    = [[16, 0], [1.5, 0]] (h'(0) = 1/2 by default).
    dW^1 = |X|.T Delta^1 = [[1*16 + 2*1.5, 0], [1*16 + 1*1.5, 0]]; db^1 = [17.5, 0].
    dW^2 = S^1.T Delta^2 = [[3*9 + 4*1.25, 3*7 + 4*1.75], [2.5*9 + 3.5*1.25, 2.5*7 + 3.5*1.75]];
    db^2 = [10.25, 8.75]. J: sum(y) * max(1, max S^2) = 3.5 * 3.
    """
    W2 = np.array([[1.0, 1.0], [-1.0, -1.0]])
    params = Params([W1_HAND, W2], [B1_HAND, np.zeros(2)])
    Y = np.array([[2.0, 0.0], [0.5, 1.0]])
    magnitudes = term_magnitudes(params, forward(params, X_HAND).activations)
    np.testing.assert_array_equal(magnitudes[0], [[3.0, 2.5], [4.0, 3.5]])
    np.testing.assert_array_equal(magnitudes[1], [[3.0, 3.0], [0.0, 0.0]])
    scales = error_scales(params, X_HAND, Y, "softmax")
    np.testing.assert_array_equal(scales.deltas[1], [[9.0, 7.0], [1.25, 1.75]])
    np.testing.assert_array_equal(scales.deltas[0], [[16.0, 0.0], [1.5, 0.0]])
    np.testing.assert_array_equal(scales.grads.weights[0], [[19.0, 0.0], [17.5, 0.0]])
    np.testing.assert_array_equal(scales.grads.biases[0], [17.5, 0.0])
    np.testing.assert_array_equal(scales.grads.weights[1], [[32.0, 28.0], [26.875, 23.625]])
    np.testing.assert_array_equal(scales.grads.biases[1], [10.25, 8.75])
    assert scales.loss == 10.5
    at_zero = error_scales(params, X_HAND, Y, "softmax", relu_grad_at_zero=0.0)
    np.testing.assert_array_equal(at_zero.deltas[0], [[16.0, 0.0], [0.0, 0.0]])  # h'(0) = 0
    assert output_condition(params, X_HAND, Y, "softmax") == 1.0


def test_error_scales_and_condition_of_the_relu_head_by_hand() -> None:
    """W^2 = [[0.1, 0.2], [0, 0]], b^2 = [0.05, -0.05], labels [1, 0].

    Z^2 = A^2 = [[0.35, 0.55], [0.05, 0]] (the last is h(-0.05)), S^2 = [[0.35, 0.65],
    [0.05, 0.05]]. The delta scale is |eq. 23| = |h'(z) y / a|: [[0, 1/0.55], [1/0.05, 0]].
    Delta^1 scale = h'(Z^1) * (that @ |W^2|.T) = [[1, 0], [1/2, 0]] * [[0.2/0.55, 0], [2, 0]].
    dW^2 = S^1.T Delta^2 = [[4*20, 3/0.55], [3.5*20, 2.5/0.55]]; J: sum(y) * max(1, 0.65) = 2.
    kappa = max{S^2 / a : y > 0} = max(0.65/0.55, 0.05/0.05) = 0.65/0.55.
    """
    W2, b2 = np.array([[0.1, 0.2], [0.0, 0.0]]), np.array([0.05, -0.05])
    params = Params([W1_HAND, W2], [B1_HAND, b2])
    Y = np.array([1, 0])
    scales = error_scales(params, X_HAND, Y, "relu")
    close: dict[str, Any] = {"rtol": 1e-14, "atol": 0.0}
    np.testing.assert_allclose(scales.deltas[1], [[0.0, 1 / 0.55], [20.0, 0.0]], **close)
    np.testing.assert_allclose(scales.deltas[0], [[0.2 / 0.55, 0.0], [1.0, 0.0]], **close)
    np.testing.assert_allclose(
        scales.grads.weights[0], [[0.2 / 0.55 + 2.0, 0.0], [0.2 / 0.55 + 1.0, 0.0]], **close
    )
    np.testing.assert_allclose(
        scales.grads.weights[1], [[80.0, 3 / 0.55], [70.0, 2.5 / 0.55]], **close
    )
    np.testing.assert_allclose(scales.grads.biases[1], [20.0, 1 / 0.55], **close)
    assert scales.loss == 2.0
    kappa = output_condition(params, X_HAND, Y, "relu")
    assert kappa == exactly(0.65 / 0.55)
    assert problem_rtol(params, X_HAND, Y, "relu") == exactly(
        0.65 / 0.55 * 2 * 2 * np.sqrt(2) * EPS64
    )


def test_relu_head_condition_is_1_without_positive_targets() -> None:
    params = Params([W1_HAND, np.eye(2)], [B1_HAND, np.zeros(2)])
    assert output_condition(params, X_HAND, np.zeros((2, 2)), "relu") == 1.0


def test_problem_rtol_takes_the_batch_size_as_an_inner_length() -> None:
    problem = make_problem((3, 4, 3), 50, seed=0)  # B = 50 is the longest inner length
    rtol = problem_rtol(problem.params, problem.X, problem.Y, "softmax")
    assert rtol == exactly(2 * 2 * np.sqrt(50) * EPS64)
