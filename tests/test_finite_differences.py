"""The oracle without autograd: central finite differences in float64, from J alone.

Also the derivation's choice h'(0) = 1/2 (eq. 2): at an exact kink the central difference gives
exactly that, and so does ``jax.grad`` of ``jnp.maximum`` at exact zeros, while PyTorch's
h'(0) = 0 matches torch autograd there.
"""

from __future__ import annotations

import numpy as np
import pytest

import torch_reference
from manual_backprop import Params, forward, gradients
from manual_backprop.checks.finite_differences import finite_difference_gradients
from manual_backprop.checks.jax_oracle import jax_gradients
from manual_backprop.checks.problems import (
    DERIVATION_LAYER_SIZES,
    TARGET_KINDS,
    exact_kink_problem,
    integer_problem,
    make_problem,
)
from manual_backprop.checks.tolerances import (
    finite_difference_atol,
    finite_difference_step,
    kink_step,
    parity_rtol,
)
from tests.helpers import assert_checks_pass, assert_params_close, exactly
from torch_reference.claims import finite_difference_checks

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
    rows = finite_difference_checks(problem, output, reduction)
    assert len(rows) == 2 * len(problem.params.weights)  # every dJ/dW^l and dJ/db^l
    assert_checks_pass(rows)


def test_central_difference_at_an_exact_kink_gives_one_half_eq_2() -> None:
    kink = exact_kink_problem()
    params, X, Y = kink.params, kink.X, kink.Y
    assert forward(params, X).pre_activations[0][0, 0] == 0.0  # z^(1)_0 is exactly 0
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


def test_relu_grad_at_zero_0_matches_pytorch_at_exact_zeros(device: str) -> None:
    problem = integer_problem()
    params, X, Y = problem.params, problem.X, problem.Y
    hidden = forward(params, X).pre_activations[:-1]
    assert sum(int(np.sum(z == 0)) for z in hidden) >= 10  # exact kinks, by construction
    _, pytorch_convention = gradients(params, X, Y, relu_grad_at_zero=0.0)
    _, oracle = torch_reference.gradients(params, X, Y, device=device)
    assert_params_close(
        pytorch_convention, oracle, parity_rtol(np.float64, (6, 8, 8, 4), 16), "h'(0)=0"
    )
    _, derivation_convention = gradients(params, X, Y)  # h'(0) = 1/2 differs exactly there
    assert not np.allclose(derivation_convention.weights[0], oracle.weights[0])


def test_relu_grad_at_zero_one_half_matches_jax_max_at_exact_zeros() -> None:
    """``jax.grad`` of ``jnp.maximum(z, 0)`` splits a tie evenly: the derivation's h'(0) = 1/2."""
    pytest.importorskip("jax", reason="jax is not installed: pip install '.[test]'")
    problem = integer_problem()
    params, X, Y = problem.params, problem.X, problem.Y
    _, derivation_convention = gradients(params, X, Y)  # h'(0) = 1/2
    _, oracle = jax_gradients(params, X, Y, relu_grad_at_zero=0.5)
    assert_params_close(
        derivation_convention, oracle, parity_rtol(np.float64, (6, 8, 8, 4), 16), "h'(0)=1/2"
    )
    _, pytorch_convention = gradients(params, X, Y, relu_grad_at_zero=0.0)
    assert not np.allclose(pytorch_convention.weights[0], oracle.weights[0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_finite_difference_step_is_the_cube_root_of_eps(dtype: type) -> None:
    assert finite_difference_step(dtype) == pytest.approx(
        float(np.finfo(dtype).eps) ** (1 / 3), abs=0.0
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kink_step_is_the_square_root_of_eps(dtype: type) -> None:
    assert kink_step(dtype) == exactly(float(np.finfo(dtype).eps) ** (1 / 2))


def test_finite_differences_take_the_step_given_or_eps_cube_root_of_the_params_dtype() -> None:
    problem = make_problem((3, 2, 2), 2, seed=4)
    assert finite_difference_gradients(problem.params, problem.X, problem.Y, step=1e-4).step == 1e-4
    as_float32 = problem.converted(lambda a: a.astype(np.float32) if a.dtype.kind == "f" else a)
    numeric = finite_difference_gradients(*as_float32)
    assert numeric.step == finite_difference_step(np.float32)


def test_finite_differences_never_write_to_the_params() -> None:
    """The perturbations go into copies: read-only params work, and come back unchanged."""
    problem = make_problem((3, 2, 2), 2, seed=4)
    params = problem.params.copy()
    for array in params.weights + params.biases:
        array.setflags(write=False)
    numeric = finite_difference_gradients(params, problem.X, problem.Y)
    for array, original in zip(
        params.weights + params.biases, problem.params.weights + problem.params.biases
    ):
        np.testing.assert_array_equal(array, original)
    assert numeric.grads.weights[0].shape == (3, 2)


@pytest.mark.parametrize("output", ["softmax", "relu"])
def test_finite_differences_report_j_and_the_change_from_h_to_2h(output: str) -> None:
    """``loss`` is the J the entry points compute, and ``step_change`` is ``D(2h) - D(h)``."""
    problem = make_problem((3, 2, 2), 2, output=output, seed=4)
    params, X, Y = problem.params, problem.X, problem.Y
    h = 1e-4
    at_h = finite_difference_gradients(params, X, Y, output=output, step=h)
    at_2h = finite_difference_gradients(params, X, Y, output=output, step=2 * h)
    J, _ = gradients(params, X, Y, output=output)
    assert at_h.loss == pytest.approx(J, rel=1e-14, abs=0.0)
    for change, coarse, fine in zip(
        at_h.step_change.weights + at_h.step_change.biases,
        at_2h.grads.weights + at_2h.grads.biases,
        at_h.grads.weights + at_h.grads.biases,
    ):
        np.testing.assert_array_equal(change, coarse - fine)
