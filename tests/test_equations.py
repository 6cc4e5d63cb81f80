"""Each equation of the derivation, checked on its own against the oracle's intermediates.

The oracle (``torch_reference.trace``) keeps every ``Z^l`` and ``A^l`` of its forward pass and,
through ``retain_grad``, every ``dJ/dZ^l``: so each delta is compared, not only the final
gradients.
"""

from __future__ import annotations

import numpy as np
import pytest

import torch_reference
from manual_backprop import deltas, forward, gradients
from manual_backprop.activations import relu_grad
from manual_backprop.checks.error_scales import problem_rtol
from manual_backprop.checks.problems import DERIVATION_LAYER_SIZES, make_problem
from tests.helpers import assert_close

BATCH_SIZE = 16
DEEP = (12, 11, 10, 9, 8, 6)  # L = 5: four applications of the general recursion (16)


def _case(
    output: str,
    targets: str,
    sizes: tuple[int, ...] = DERIVATION_LAYER_SIZES,
    *,
    dtype: type = np.float64,
    device: str = "cpu",
    reduction: str = "sum",
):
    problem = make_problem(sizes, BATCH_SIZE, dtype=dtype, output=output, targets=targets, seed=7)
    oracle = torch_reference.trace(
        problem.params, problem.X, problem.Y, output=output, reduction=reduction, device=device
    )
    return problem, oracle, problem_rtol(problem.params, problem.X, problem.Y, output)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_pre_activations_eqs_3_5_7(device: str, dtype: type) -> None:
    problem, oracle, rtol = _case("softmax", "labels", dtype=dtype, device=device)
    passed = forward(problem.params, problem.X)
    for l, (z, z_ref) in enumerate(zip(passed.pre_activations, oracle.pre_activations), start=1):
        assert_close(z, z_ref, rtol, f"z^({l})")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_hidden_activations_eqs_4_6(device: str, dtype: type) -> None:
    problem, oracle, rtol = _case("softmax", "labels", dtype=dtype, device=device)
    passed = forward(problem.params, problem.X)
    for l in (1, 2):
        assert_close(passed.activations[l], oracle.activations[l], rtol, f"a^({l})")
        assert np.all(passed.activations[l] >= 0)


def test_relu_output_activation_eq_8(device: str) -> None:
    problem, oracle, rtol = _case("relu", "soft", device=device)
    a_L = forward(problem.params, problem.X, output="relu").activations[-1]
    assert_close(a_L, oracle.activations[-1], rtol, "a^(3) = h(z^(3))")


def test_softmax_output_activation_eq_34(device: str) -> None:
    problem, oracle, rtol = _case("softmax", "labels", device=device)
    a_L = forward(problem.params, problem.X).activations[-1]
    assert_close(a_L, oracle.activations[-1], rtol, "a^(3) = softmax(z^(3))")
    np.testing.assert_allclose(a_L.sum(axis=1), 1.0, rtol=rtol)


def test_relu_derivative_is_sign_plus_one_over_two_eq_2() -> None:
    z = np.array([-3.0, -0.0, 0.0, 2.5])
    np.testing.assert_array_equal(relu_grad(z), (np.sign(z) + 1) / 2)  # eq. (2)/(32)
    np.testing.assert_array_equal(relu_grad(z, at_zero=0.0), [0.0, 0.0, 0.0, 1.0])  # PyTorch's


@pytest.mark.parametrize("targets", ["labels", "soft"])
def test_relu_head_output_delta_eq_23(device: str, targets: str) -> None:
    problem, oracle, rtol = _case("relu", targets, device=device)
    manual = deltas(problem.params, problem.X, problem.Y, output="relu")
    assert_close(manual[-1], oracle.deltas[-1], rtol, "delta^(3) = h'(z^(3)) * -y/a^(3)")


@pytest.mark.parametrize("output", ["softmax", "relu"])
def test_hidden_deltas_eqs_24_25(device: str, output: str) -> None:
    problem, oracle, rtol = _case(output, "labels", device=device)
    manual = deltas(problem.params, problem.X, problem.Y, output=output)
    assert_close(manual[1], oracle.deltas[1], rtol, "delta^(2), eq. (24)")
    assert_close(manual[0], oracle.deltas[0], rtol, "delta^(1), eq. (25)")


def test_general_recursion_eq_16_at_depth_5(device: str) -> None:
    problem, oracle, rtol = _case("softmax", "soft", DEEP, device=device)
    manual = deltas(problem.params, problem.X, problem.Y)
    for l in range(1, len(DEEP)):
        assert_close(manual[l - 1], oracle.deltas[l - 1], rtol, f"delta^({l}), eq. (16)")


def test_softmax_delta_is_a_minus_y_eq44(device: str) -> None:
    problem, oracle, rtol = _case("softmax", "one_hot", device=device)
    manual = deltas(problem.params, problem.X, problem.Y)[-1]
    a_L = forward(problem.params, problem.X).activations[-1]
    np.testing.assert_array_equal(manual, a_L - problem.Y)  # eq. (44), exactly
    assert_close(manual, oracle.deltas[-1], rtol, "delta^(3) = a - y")


def test_softmax_delta_for_unnormalised_targets_eq42(device: str) -> None:
    problem, oracle, rtol = _case("softmax", "soft", device=device)
    assert not np.allclose(problem.Y.sum(axis=1), 1.0)  # eq. (44) would be wrong here
    manual = deltas(problem.params, problem.X, problem.Y)[-1]
    a_L = forward(problem.params, problem.X).activations[-1]
    assert_close(manual, a_L * problem.Y.sum(axis=1, keepdims=True) - problem.Y, rtol, "eq. (42)")
    assert_close(manual, oracle.deltas[-1], rtol, "delta^(3), eq. (42)")
    assert not np.allclose(manual, a_L - problem.Y)


@pytest.mark.parametrize("output", ["softmax", "relu"])
def test_weight_gradients_eqs_26_28(device: str, output: str) -> None:
    problem, oracle, rtol = _case(output, "soft", device=device)
    _, grads = gradients(problem.params, problem.X, problem.Y, output=output)
    for l in (3, 2, 1):
        assert_close(grads.weights[l - 1], oracle.grads.weights[l - 1], rtol, f"dJ/dW^({l})")


@pytest.mark.parametrize("output", ["softmax", "relu"])
def test_bias_gradients_eqs_29_31(device: str, output: str) -> None:
    problem, oracle, rtol = _case(output, "labels", device=device)
    _, grads = gradients(problem.params, problem.X, problem.Y, output=output)
    for l in (3, 2, 1):
        assert_close(grads.biases[l - 1], oracle.grads.biases[l - 1], rtol, f"dJ/db^({l})")


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("output", ["softmax", "relu"])
def test_loss_is_the_summed_cross_entropy_eq_18(output: str, reduction: str) -> None:
    problem, oracle, rtol = _case(output, "soft", reduction=reduction)
    J, _ = gradients(problem.params, problem.X, problem.Y, output=output, reduction=reduction)
    assert_close(J, oracle.loss, rtol, "J")
    a_L = forward(problem.params, problem.X, output=output).activations[-1]
    terms = np.where(problem.Y > 0, problem.Y * np.log(np.where(problem.Y > 0, a_L, 1.0)), 0.0)
    expected = -terms.sum() / (BATCH_SIZE if reduction == "mean" else 1)  # eq. (18), literally
    assert_close(J, expected, rtol, "J, eq. (18)")
