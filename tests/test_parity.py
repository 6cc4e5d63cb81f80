"""The claim: for every head, reduction, target kind, depth and dtype, the hand-written J and
gradients equal two independent autograd engines', PyTorch's (on CPU and on CUDA) and JAX's,
within the derived tolerance."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import torch_reference
from manual_backprop import Params, gradients
from manual_backprop.checks.jax_oracle import jax_gradients
from manual_backprop.checks.problems import DERIVATION_LAYER_SIZES, TARGET_KINDS, make_problem
from manual_backprop.validation import OUTPUTS, REDUCTIONS
from tests.helpers import assert_gradients_match

#: depth L -> layer sizes; L = 3 is the derivation's network (two hidden ReLU layers).
ARCHITECTURES = {1: (12, 5), 3: DERIVATION_LAYER_SIZES, 5: (12, 11, 10, 9, 8, 6)}
BATCH_SIZE = 24


@pytest.mark.parametrize("depth", sorted(ARCHITECTURES))
@pytest.mark.parametrize("targets", TARGET_KINDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_loss_and_every_gradient_equal_autograd(
    oracle: tuple[str, str], dtype: type, output: str, reduction: str, targets: str, depth: int
) -> None:
    sizes = ARCHITECTURES[depth]
    problem = make_problem(
        sizes, BATCH_SIZE, dtype=dtype, output=output, targets=targets, seed=depth
    )
    name, device = oracle
    options: dict[str, Any] = {"output": output, "reduction": reduction}
    J, grads = gradients(problem.params, problem.X, problem.Y, relu_grad_at_zero=0.0, **options)
    if name == "jax.grad":
        reference = jax_gradients(problem.params, problem.X, problem.Y, **options)
    else:
        reference = torch_reference.gradients(
            problem.params, problem.X, problem.Y, device=device, **options
        )
    assert_gradients_match(problem, output, (J, grads), reference, name, relu_grad_at_zero=0.0)
    assert all(g.dtype == np.dtype(dtype) for g in grads.weights + grads.biases)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_benchmark_peers_compute_the_same_gradients(dtype: type) -> None:
    """scikit-learn's ``_backprop`` (a mean) and the torch step do our work, not something less."""
    from torch_reference.commands.contenders import make_variant

    problem = make_problem(DERIVATION_LAYER_SIZES, BATCH_SIZE, dtype=dtype, seed=9)
    J, grads = gradients(problem.params, problem.X, problem.Y)
    mean_J, mean_weights, mean_biases = make_variant("sklearn", problem)()
    as_sum = Params([w * BATCH_SIZE for w in mean_weights], [b * BATCH_SIZE for b in mean_biases])
    assert_gradients_match(problem, "softmax", (mean_J * BATCH_SIZE, as_sum), (J, grads), "sklearn")
