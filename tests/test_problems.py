"""The example problems are what their docstrings promise: the other tests rely on it.

A check on a problem that quietly lost its point (a kink that is no longer exactly 0, integer
data that no longer cancels, draws that differ from run to run) would still pass, and prove less.
"""

from __future__ import annotations

import numpy as np
import pytest

from manual_backprop import forward
from manual_backprop.checks.problems import (
    Problem,
    exact_kink_problem,
    integer_problem,
    make_problem,
)
from tests.helpers import exactly


def _arrays(problem: Problem) -> list[np.ndarray]:
    return [*problem.params.weights, *problem.params.biases, problem.X, problem.Y]


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


def test_the_example_problems_are_pinned_across_versions_and_machines() -> None:
    """Certificates and docs quote results on these problems: a change to them is visible.

    The sums were read off the problems once (NumPy 2.4.6); the draws come from
    ``numpy.random.default_rng`` streams, which do not depend on the machine.
    """
    default = make_problem()
    assert default.X.shape == (32, 64)
    assert default.Y.tolist() == [3, 4, 4, 7, 1, 8, 5, 0, 0, 8, 5, 6, 9, 9, 6, 0,
                                  1, 3, 9, 1, 2, 6, 2, 6, 0, 9, 1, 7, 7, 8, 4, 4]  # fmt: skip
    assert float(default.X.sum()) == exactly(-58.804504554773565)
    sums = [float(a.sum()) for a in default.params.weights + default.params.biases]
    expected = [-9.894067184429954, -8.099728250243126, 2.7564943185494934,
                -0.48633887511697643, 0.8196473661386049, 0.3150488230151085]  # fmt: skip
    assert sums == [exactly(value) for value in expected]
    kink = exact_kink_problem()
    assert kink.Y.tolist() == [1]
    sums = [float(a.sum()) for a in kink.params.weights + kink.params.biases]
    expected = [2.7591149147560214, 1.7417070018718674, -5.641592072201914,
                0.25844686188958943, -0.07659344233555798, -0.11565036217631833]  # fmt: skip
    assert sums == [exactly(value) for value in expected]
    integer = integer_problem()
    assert integer.Y.tolist() == [2, 0, 3, 0, 1, 0, 2, 0, 1, 0, 3, 0, 0, 2, 0, 3]
    sums = [float(a.sum()) for a in integer.params.weights + integer.params.biases + [integer.X]]
    assert sums == [-5.0, -1.0, -1.0, 0.0, 2.0, 2.0, 5.0]


def test_make_problem_draws_biases_of_scale_0_1_and_labels_over_the_classes() -> None:
    problem = make_problem((64, 32, 16, 10), 256, seed=7)
    biases = np.concatenate(problem.params.biases)
    assert 0.07 < float(np.std(biases)) < 0.13  # Normal(0, 0.1^2), 58 draws
    assert len(np.unique(problem.Y)) == 10  # one class per example, uniform over all 10


def test_relu_problem_lifts_every_example_to_an_output_of_at_least_one_half() -> None:
    """The output bias is raised by just enough: the lowest example's largest output is 0.5."""
    problem = make_problem(output="relu", seed=0)
    outputs = forward(problem.params, problem.X, output="relu").activations[-1]
    assert float(np.min(np.max(outputs, axis=1))) == exactly(0.5)
    labels = problem.Y
    assert np.all(outputs[np.arange(len(labels)), labels] >= 0.1)  # targets only where a >= 0.1


@pytest.mark.parametrize("targets", ["one_hot", "soft"])
def test_float_targets_come_in_the_problems_dtype(targets: str) -> None:
    problem = make_problem(targets=targets, dtype=np.float32, seed=1)
    assert problem.Y.dtype == np.float32 and problem.X.dtype == np.float32


def test_soft_targets_are_uniform_on_0_2_and_do_not_sum_to_one() -> None:
    Y = make_problem((64, 32, 16, 10), 256, targets="soft", seed=2).Y
    assert 0.0 <= float(Y.min()) < 0.01 and 1.99 < float(Y.max()) < 2.0
    assert float(Y.mean()) == pytest.approx(1.0, abs=0.05)  # row sums near 10, not 1


def test_make_problem_refuses_an_unknown_target_kind_by_name() -> None:
    message = r"^targets must be one of \('labels', 'one_hot', 'soft'\), got 'hard'$"
    with pytest.raises(ValueError, match=message):
        make_problem(targets="hard")
