"""The example problems are what their docstrings promise: the other tests rely on it.

A check on a problem that quietly lost its point (a kink that is no longer exactly 0, integer
data that no longer cancels, draws that differ from run to run) would still pass, and prove less.
"""

from __future__ import annotations

import numpy as np

from manual_backprop import forward
from manual_backprop.checks.problems import exact_kink_problem, integer_problem


def _arrays(problem: object) -> list[np.ndarray]:
    params = problem.params  # type: ignore[attr-defined]
    return [*params.weights, *params.biases, problem.X, problem.Y]  # type: ignore[attr-defined]


def test_exact_kink_problem_is_one_example_of_2_3_4_3_with_z1_0_exactly_zero() -> None:
    kink = exact_kink_problem()
    assert [W.shape for W in kink.params.weights] == [(2, 3), (3, 4), (4, 3)]
    assert [b.shape for b in kink.params.biases] == [(3,), (4,), (3,)]
    assert kink.X.shape == (1, 2) and kink.Y.shape == (1,)
    Z1 = forward(kink.params, kink.X).pre_activations[0]
    assert Z1[0, 0] == 0.0  # the kink, exactly
    assert np.all(Z1[0, 1:] != 0.0)  # and only there


def test_integer_problem_is_6_8_8_4_with_b_16_and_data_in_minus_one_zero_one() -> None:
    problem = integer_problem()
    assert [W.shape for W in problem.params.weights] == [(6, 8), (8, 8), (8, 4)]
    assert [b.shape for b in problem.params.biases] == [(8,), (8,), (4,)]
    assert problem.X.shape == (16, 6)
    for array in [*problem.params.weights, *problem.params.biases, problem.X]:
        assert array.dtype == np.float64
        assert set(np.unique(array)) <= {-1.0, 0.0, 1.0}
    for array in [*problem.params.weights, *problem.params.biases[:2], problem.X]:
        assert set(np.unique(array)) == {-1.0, 0.0, 1.0}  # both signs, so sums cancel to 0
    assert problem.Y.shape == (16,) and np.issubdtype(problem.Y.dtype, np.integer)
    assert set(np.unique(problem.Y)) == {0, 1, 2, 3}  # labels over all n_L = 4 classes


def test_problems_are_the_same_arrays_on_every_call() -> None:
    for make in (integer_problem, exact_kink_problem):
        for first, second in zip(_arrays(make()), _arrays(make())):
            np.testing.assert_array_equal(first, second)
