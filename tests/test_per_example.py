"""Section 1.5: one example at a time, accumulated, gives what the batched equations give."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from manual_backprop import gradients, gradients_per_example
from manual_backprop.checks.problems import DERIVATION_LAYER_SIZES, TARGET_KINDS, make_problem
from tests.helpers import assert_gradients_match

BATCH_SIZE = 20


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("targets", TARGET_KINDS)
@pytest.mark.parametrize("output", ["softmax", "relu"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_per_example_algorithm_equals_batched_section_1_5(
    dtype: type, output: str, targets: str, reduction: str
) -> None:
    problem = make_problem(
        DERIVATION_LAYER_SIZES, BATCH_SIZE, dtype=dtype, output=output, targets=targets, seed=4
    )
    options: dict[str, Any] = {"output": output, "reduction": reduction}
    J, grads = gradients(problem.params, problem.X, problem.Y, **options)
    J_each, grads_each = gradients_per_example(problem.params, problem.X, problem.Y, **options)
    assert_gradients_match(problem, output, (J_each, grads_each), (J, grads), "per example")


def test_one_example_is_the_outer_product_of_eqs_26_to_31() -> None:
    problem = make_problem(DERIVATION_LAYER_SIZES, 1, seed=5)
    from manual_backprop import deltas, forward

    activations = forward(problem.params, problem.X).activations
    deltas_ = deltas(problem.params, problem.X, problem.Y)
    _, grads = gradients_per_example(problem.params, problem.X, problem.Y)
    for l in (1, 2, 3):
        # eqs. (26)-(28): dJ/dW^l = a^(l-1) (delta^l)^T; eqs. (29)-(31): dJ/db^l = delta^l
        np.testing.assert_array_equal(
            grads.weights[l - 1], np.outer(activations[l - 1][0], deltas_[l - 1][0])
        )
        np.testing.assert_array_equal(grads.biases[l - 1], deltas_[l - 1][0])


def test_backpropagate_defaults_are_gradients_defaults() -> None:
    """The equations alone take the same defaults: softmax, h'(0) = 1/2 (eq. 2), a sum."""
    from manual_backprop.algorithm import backpropagate
    from manual_backprop.checks.problems import exact_kink_problem
    from manual_backprop.validation import targets_from

    kink = exact_kink_problem()  # h'(0) matters here
    J, grads = backpropagate(kink.params, kink.X, targets_from(kink.Y, kink.X, 3))
    J_ref, grads_ref = gradients(kink.params, kink.X, kink.Y)
    assert float(J) == J_ref
    for got, want in zip(grads.weights + grads.biases, grads_ref.weights + grads_ref.biases):
        np.testing.assert_array_equal(got, want)
