"""The same hand-written equations on any array-API library: array-api-strict (only standard
functions), torch tensors on CPU and CUDA, and CuPy where installed. Results come back in the
input's library, on its device, and equal NumPy's within the float64 parity tolerance (about
1e-14, well inside the 1e-12 the array-API issue asks for)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from array_api_compat import array_namespace
from array_api_compat import device as array_device

import torch_reference
from manual_backprop import deltas, forward, gradients, gradients_per_example
from manual_backprop.checks.error_scales import problem_rtol
from manual_backprop.checks.problems import DERIVATION_LAYER_SIZES, TARGET_KINDS, make_problem
from manual_backprop.checks.tolerances import normwise_error
from tests.helpers import assert_gradients_match
from torch_reference.convert import to_numpy, to_tensor
from torch_reference.oracle import no_tf32


def _strict(array: np.ndarray) -> Any:
    import array_api_strict

    return array_api_strict.asarray(array)


def _strict_device1(array: np.ndarray) -> Any:
    """A non-default device that refuses to mix with the default one: an array made without
    ``device=`` fails here on the CPU, as it would on CUDA."""
    import array_api_strict

    return array_api_strict.asarray(array, device=array_api_strict.Device("device1"))


def _torch(device: str) -> Callable[[np.ndarray], Any]:
    return lambda array: to_tensor(array, device)


def _cupy(array: np.ndarray) -> Any:
    cupy = pytest.importorskip("cupy", reason="CuPy is not installed")
    return cupy.asarray(array)


LIBRARIES = [
    pytest.param(_strict, id="array-api-strict"),
    pytest.param(_strict_device1, id="array-api-strict-device1"),
    pytest.param(_torch("cpu"), id="torch-cpu"),
    pytest.param(_torch("cuda"), id="torch-cuda", marks=pytest.mark.cuda),
    pytest.param(_cupy, id="cupy", marks=pytest.mark.cuda),
]


@pytest.mark.parametrize("targets", TARGET_KINDS)
@pytest.mark.parametrize("output", ["softmax", "relu"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("asarray", LIBRARIES)
def test_same_equations_in_another_library_give_numpys_result(
    asarray: Callable[[np.ndarray], Any], dtype: type, output: str, targets: str
) -> None:
    problem = make_problem(
        DERIVATION_LAYER_SIZES, 16, dtype=dtype, output=output, targets=targets, seed=6
    )
    params, X, Y = problem.converted(asarray)
    xp = array_namespace(X)
    with no_tf32():
        J, grads = gradients(params, X, Y, output=output)
        J_each, grads_each = gradients_per_example(params, X, Y, output=output)
    for g in grads.weights + grads.biases + grads_each.weights:
        assert array_namespace(g) is xp and array_device(g) == array_device(X)
        assert g.dtype == X.dtype
    reference = gradients(problem.params, problem.X, problem.Y, output=output)
    assert_gradients_match(problem, output, (J, to_numpy(grads)), reference, "batched")
    assert_gradients_match(problem, output, (J_each, to_numpy(grads_each)), reference, "1.5")


@pytest.mark.parametrize("asarray", LIBRARIES)
def test_forward_and_deltas_stay_in_the_input_library(asarray: Callable[[np.ndarray], Any]) -> None:
    problem = make_problem(DERIVATION_LAYER_SIZES, 8, targets="soft", seed=2)
    params, X, Y = problem.converted(asarray)
    with no_tf32():
        passed, deltas_ = forward(params, X), deltas(params, X, Y)
    rtol = problem_rtol(problem.params, problem.X, problem.Y, "softmax")
    expected = forward(problem.params, problem.X)
    for z, z_ref in zip(passed.pre_activations, expected.pre_activations):
        assert array_namespace(z) is array_namespace(X)
        assert normwise_error(np.asarray(to_numpy(z)), z_ref)[1] <= rtol
    for d, d_ref in zip(deltas_, deltas(problem.params, problem.X, problem.Y)):
        assert normwise_error(np.asarray(to_numpy(d)), d_ref)[1] <= rtol


@pytest.mark.cuda
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("output", ["softmax", "relu"])
def test_manual_on_cuda_equals_autograd_on_cuda(dtype: type, output: str) -> None:
    problem = make_problem(
        DERIVATION_LAYER_SIZES, 256, dtype=dtype, output=output, targets="soft", seed=12
    )
    params, X, Y = problem.converted(_torch("cuda"))
    with no_tf32():
        J, grads = gradients(params, X, Y, output=output, relu_grad_at_zero=0.0)
    reference = torch_reference.gradients(
        problem.params, problem.X, problem.Y, output=output, device="cuda"
    )
    assert_gradients_match(
        problem, output, (J, to_numpy(grads)), reference, "cuda", relu_grad_at_zero=0.0
    )


@pytest.mark.cuda
def test_tf32_breaks_float32_parity_and_the_oracle_turns_it_off(
    record_property: Callable[[str, Any], None],
) -> None:
    """Documents the measured error: with TF32 on, matmul inputs keep 10 mantissa bits."""
    sizes = (784, 1024, 512, 10)
    problem = make_problem(sizes, 512, dtype=np.float32, targets="labels", seed=13)
    params, X, Y = problem.converted(_torch("cuda"))
    reference = gradients(problem.params, problem.X, problem.Y)  # NumPy float32 on the CPU
    rtol = problem_rtol(problem.params, problem.X, problem.Y, "softmax")
    saved = torch.backends.cuda.matmul.allow_tf32
    try:
        torch.backends.cuda.matmul.allow_tf32 = True
        _, tf32 = gradients(params, X, Y)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = saved
    with no_tf32():
        _, exact = gradients(params, X, Y)
    error_tf32 = max(
        normwise_error(to_numpy(tf32).weights[i], reference[1].weights[i])[1] for i in range(3)
    )
    error_exact = max(
        normwise_error(to_numpy(exact).weights[i], reference[1].weights[i])[1] for i in range(3)
    )
    record_property("tf32_on_max_rel_err", error_tf32)
    record_property("tf32_off_max_rel_err", error_exact)
    print(f"float32 rtol {rtol:.2e}: TF32 on {error_tf32:.2e}, TF32 off {error_exact:.2e}")
    assert error_exact <= rtol < error_tf32
