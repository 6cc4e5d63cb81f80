"""The second oracle: central finite differences in float64, which never touch torch.

Also the derivation's choice h'(0) = 1/2 (eq. 2): at an exact kink the central difference gives
exactly that, while PyTorch's h'(0) = 0 matches autograd at pre-activations that are exactly 0.
"""

from __future__ import annotations

import numpy as np
import pytest

import torch_reference
from manual_backprop import Params, forward, gradients
from manual_backprop.checks.error_scales import output_condition
from manual_backprop.checks.finite_differences import finite_difference_gradients
from manual_backprop.checks.problems import DERIVATION_LAYER_SIZES, TARGET_KINDS, make_problem
from manual_backprop.checks.tolerances import (
    finite_difference_atol,
    finite_difference_step,
    kink_step,
    parity_rtol,
)
from tests.helpers import assert_params_close

BATCH_SIZE = 8


def _kink_margin(params: Params, X: np.ndarray, output: str) -> float:
    """The smallest |z| at a ReLU: central differences are smooth while each step is smaller."""
    pre = forward(params, X, output=output).pre_activations
    return float(min(np.min(np.abs(z)) for z in (pre if output == "relu" else pre[:-1])))


@pytest.mark.parametrize(
    ("output", "targets", "reduction"),
    [(o, t, "sum") for o in ("softmax", "relu") for t in TARGET_KINDS]
    + [("softmax", "soft", "mean"), ("relu", "labels", "mean")],
)
def test_every_gradient_equals_central_differences(
    output: str, targets: str, reduction: str
) -> None:
    problem = make_problem(
        DERIVATION_LAYER_SIZES, BATCH_SIZE, output=output, targets=targets, seed=3
    )
    # Steps of 2h ~ 1.2e-5 stay on one side of every kink: J is smooth along each parameter.
    assert _kink_margin(problem.params, problem.X, output) > 1e-3
    J, grads = gradients(problem.params, problem.X, problem.Y, output=output, reduction=reduction)
    numeric = finite_difference_gradients(
        problem.params, problem.X, problem.Y, output=output, reduction=reduction
    )
    assert J == numeric.loss
    kappa = output_condition(problem.params, problem.X, problem.Y, output)
    n_terms = BATCH_SIZE * DERIVATION_LAYER_SIZES[-1]
    for name, manual, fd, change in zip(
        ["W1", "W2", "W3", "b1", "b2", "b3"],
        grads.weights + grads.biases,
        numeric.extrapolated.weights + numeric.extrapolated.biases,
        numeric.step_change.weights + numeric.step_change.biases,
    ):
        atol = finite_difference_atol(np.float64, J, n_terms, numeric.step, change, condition=kappa)
        assert np.all(np.abs(manual - fd) <= atol), (
            f"{name}: max |manual - fd| - atol = {np.max(np.abs(manual - fd) - atol):.3e}"
        )


def _network_with_an_exact_kink() -> tuple[Params, np.ndarray, np.ndarray]:
    """One example whose z^(1)_0 is exactly 0: integer-valued x and W^(1)[:, 0] cancel."""
    problem = make_problem((2, 3, 4, 3), 1, seed=11)
    params = problem.params.copy()
    params.weights[0][:, 0] = [2.0, -1.0]
    params.biases[0][0] = 0.0
    X = np.array([[1.0, 2.0]])  # z^(1)_0 = 1*2 + 2*(-1) + 0 = 0 exactly
    assert forward(params, X).pre_activations[0][0, 0] == 0.0
    return params, X, np.array([1])


def test_central_difference_at_an_exact_kink_gives_one_half_eq_2() -> None:
    params, X, Y = _network_with_an_exact_kink()
    J, half = gradients(params, X, Y)  # h'(0) = 1/2, eq. (2)
    _, zero = gradients(params, X, Y, relu_grad_at_zero=0.0)
    _, one = gradients(params, X, Y, relu_grad_at_zero=1.0)
    numeric = finite_difference_gradients(params, X, Y, step=kink_step(np.float64))
    db = [g.biases[0][0] for g in (half, zero, one, numeric.grads)]
    assert db[1] == 0.0 and abs(db[2]) > 1e-2  # the kink matters: the one-sided slopes differ
    assert db[0] == pytest.approx((db[1] + db[2]) / 2, abs=1e-15)  # 1/2 is their mean
    atol = finite_difference_atol(
        np.float64, J, 3, numeric.step, numeric.step_change.biases[0][0], order=1
    )
    assert abs(db[3] - db[0]) <= atol  # the central difference gives h'(0) = 1/2
    assert abs(db[3] - db[1]) > 100 * atol and abs(db[3] - db[2]) > 100 * atol


def _integer_problem() -> tuple[Params, np.ndarray, np.ndarray]:
    """Weights and inputs in {-1, 0, 1}: many hidden pre-activations are exactly 0."""
    rng = np.random.default_rng(5)
    sizes = (6, 8, 8, 4)
    params = Params(
        weights=[
            rng.integers(-1, 2, (n_in, n_out)).astype(np.float64)
            for n_in, n_out in zip(sizes[:-1], sizes[1:])
        ],
        biases=[rng.integers(-1, 2, n).astype(np.float64) for n in sizes[1:]],
    )
    X = rng.integers(-1, 2, (16, sizes[0])).astype(np.float64)
    return params, X, rng.integers(0, sizes[-1], 16)


def test_relu_grad_at_zero_0_matches_pytorch_at_exact_zeros(device: str) -> None:
    params, X, Y = _integer_problem()
    hidden = forward(params, X).pre_activations[:-1]
    assert sum(int(np.sum(z == 0)) for z in hidden) >= 10  # exact kinks, by construction
    _, pytorch_convention = gradients(params, X, Y, relu_grad_at_zero=0.0)
    _, oracle = torch_reference.gradients(params, X, Y, device=device)
    assert_params_close(
        pytorch_convention, oracle, parity_rtol(np.float64, (6, 8, 8, 4), 16), "h'(0)=0"
    )
    _, derivation_convention = gradients(params, X, Y)  # h'(0) = 1/2 differs exactly there
    assert not np.allclose(derivation_convention.weights[0], oracle.weights[0])


def test_finite_difference_step_is_the_cube_root_of_eps() -> None:
    assert finite_difference_step(np.float64) == pytest.approx(np.finfo(np.float64).eps ** (1 / 3))
