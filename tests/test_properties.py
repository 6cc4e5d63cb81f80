"""Property-based parity: hypothesis draws architectures, batches, heads and target kinds.

200 cases per run (``max_examples`` below): depth 1-4, widths 1-12, batch 1-16, both heads,
both reductions, all three target kinds, float64 and float32.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import torch_reference
from manual_backprop import gradients, gradients_per_example
from manual_backprop.checks.problems import TARGET_KINDS, make_problem
from tests.helpers import assert_gradients_match

CASES = 200


@settings(max_examples=CASES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layer_sizes=st.lists(st.integers(1, 12), min_size=2, max_size=5),
    batch_size=st.integers(1, 16),
    output=st.sampled_from(["softmax", "relu"]),
    reduction=st.sampled_from(["sum", "mean"]),
    targets=st.sampled_from(TARGET_KINDS),
    dtype=st.sampled_from([np.float64, np.float32]),
    seed=st.integers(0, 2**16),
)
def test_random_networks_match_autograd_and_section_1_5(
    layer_sizes: list[int],
    batch_size: int,
    output: str,
    reduction: str,
    targets: str,
    dtype: type,
    seed: int,
) -> None:
    problem = make_problem(
        layer_sizes, batch_size, dtype=dtype, output=output, targets=targets, seed=seed
    )
    options = {"output": output, "reduction": reduction}
    # Narrow layers die easily; a dead layer feeds zero biases, so exact zeros z = 0 occur and
    # h'(0) matters. Compare with autograd under its convention, h'(0) = 0.
    J, grads = gradients(problem.params, problem.X, problem.Y, relu_grad_at_zero=0.0, **options)
    J_ref, grads_ref = torch_reference.gradients(problem.params, problem.X, problem.Y, **options)
    J_each, grads_each = gradients_per_example(
        problem.params, problem.X, problem.Y, relu_grad_at_zero=0.0, **options
    )
    match = {"relu_grad_at_zero": 0.0}
    assert_gradients_match(problem, output, (J, grads), (J_ref, grads_ref), "autograd", **match)
    assert_gradients_match(
        problem, output, (J_each, grads_each), (J, grads), "per example", **match
    )
