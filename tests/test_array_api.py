"""The same hand-written equations on any array-API library, and on any device.

Libraries: array-api-strict (only standard functions) on its default device and on its
non-default ``device1``, which refuses to combine arrays from two devices (an array made
without ``device=`` fails there on the CPU, as it would on CUDA); torch CPU tensors; JAX arrays
(immutable: no result may depend on an in-place write); and, where there is a GPU, torch CUDA
tensors and CuPy arrays. Every public function that takes arrays runs on each, both heads, every
target kind and both reductions, and must return arrays of the input's library, on its device,
equal to NumPy's within the float64 parity tolerance.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import torch
from array_api_compat import array_namespace
from array_api_compat import device as array_device

import torch_reference
from manual_backprop import Params, deltas, forward, gradients, gradients_per_example
from manual_backprop.checks.error_scales import problem_rtol
from manual_backprop.checks.problems import (
    DERIVATION_LAYER_SIZES,
    TARGET_KINDS,
    Problem,
    exact_kink_problem,
    make_problem,
)
from manual_backprop.checks.tolerances import normwise_error, parity_rtol
from manual_backprop.training import sgd_step
from manual_backprop.validation import REDUCTIONS
from tests.helpers import assert_gradients_match
from torch_reference.convert import to_numpy, to_tensor
from torch_reference.oracle import no_tf32


def _strict(array: np.ndarray) -> Any:
    import array_api_strict

    return array_api_strict.asarray(array)


def _strict_device1(array: np.ndarray) -> Any:
    import array_api_strict

    return array_api_strict.asarray(array, device=array_api_strict.Device("device1"))


def _torch(device: str) -> Callable[[np.ndarray], Any]:
    return lambda array: to_tensor(array, device)


def _jax(array: np.ndarray) -> Any:
    jax = pytest.importorskip("jax", reason="jax is not installed (pip install '.[test]')")
    jax.config.update("jax_enable_x64", True)  # float64 stays float64
    return jax.numpy.asarray(array)


def _cupy(array: np.ndarray) -> Any:
    cupy = pytest.importorskip("cupy", reason="CuPy is not installed")
    return cupy.asarray(array)


LIBRARIES = [
    pytest.param(_strict, id="array-api-strict"),
    pytest.param(_strict_device1, id="array-api-strict-device1"),
    pytest.param(_torch("cpu"), id="torch-cpu"),
    pytest.param(_jax, id="jax"),
    pytest.param(_torch("cuda"), id="torch-cuda", marks=pytest.mark.cuda),
    pytest.param(_cupy, id="cupy", marks=pytest.mark.cuda),
]


def _assert_in_library(arrays: list[Any], like: Any) -> None:
    """Each array is of ``like``'s library, on its device, in its dtype."""
    xp = array_namespace(like)
    for array in arrays:
        assert array_namespace(array) is xp, f"{type(array)} is not {type(like)}"
        assert array_device(array) == array_device(like), array_device(array)
        assert array.dtype == like.dtype


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("targets", TARGET_KINDS)
@pytest.mark.parametrize("output", ["softmax", "relu"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("asarray", LIBRARIES)
def test_gradients_in_another_library_equal_numpys(
    asarray: Callable[[np.ndarray], Any], dtype: type, output: str, targets: str, reduction: str
) -> None:
    """``gradients`` and ``gradients_per_example`` (section 1.5, step 4's sums by assignment)."""
    problem = make_problem(
        DERIVATION_LAYER_SIZES, 16, dtype=dtype, output=output, targets=targets, seed=6
    )
    params, X, Y = problem.converted(asarray)
    options: dict[str, Any] = {"output": output, "reduction": reduction}
    with no_tf32():
        J, grads = gradients(params, X, Y, **options)
        J_each, grads_each = gradients_per_example(params, X, Y, **options)
    assert isinstance(J, float) and isinstance(J_each, float)
    _assert_in_library(grads.weights + grads.biases + grads_each.weights + grads_each.biases, X)
    reference = gradients(problem.params, problem.X, problem.Y, **options)
    assert_gradients_match(problem, output, (J, to_numpy(grads)), reference, "batched")
    assert_gradients_match(problem, output, (J_each, to_numpy(grads_each)), reference, "1.5")


@pytest.mark.parametrize("output", ["softmax", "relu"])
@pytest.mark.parametrize("asarray", LIBRARIES)
def test_forward_and_deltas_in_another_library_equal_numpys(
    asarray: Callable[[np.ndarray], Any], output: str
) -> None:
    problem = make_problem(DERIVATION_LAYER_SIZES, 8, output=output, targets="soft", seed=2)
    params, X, Y = problem.converted(asarray)
    with no_tf32():
        passed, deltas_ = forward(params, X, output=output), deltas(params, X, Y, output=output)
    _assert_in_library(passed.pre_activations + passed.activations + deltas_, X)
    rtol = problem_rtol(problem.params, problem.X, problem.Y, output)
    expected = forward(problem.params, problem.X, output=output)
    for got, want in zip(
        passed.pre_activations + passed.activations, expected.pre_activations + expected.activations
    ):
        assert normwise_error(to_numpy(got), want)[1] <= rtol
    for got, want in zip(deltas_, deltas(problem.params, problem.X, problem.Y, output=output)):
        assert normwise_error(to_numpy(got), want)[1] <= rtol


@pytest.mark.parametrize("asarray", LIBRARIES)
def test_sgd_step_updates_params_in_another_library(asarray: Callable[[np.ndarray], Any]) -> None:
    """The training step, by assignment: JAX's arrays cannot be written to."""
    problem = make_problem((5, 4, 3), 6, seed=3)
    params, X, Y = problem.converted(asarray)
    _, grads = gradients(params, X, Y, reduction="mean")
    sgd_step(params, grads, lr=0.5, weight_decay=0.1)
    _assert_in_library(params.weights + params.biases, X)
    expected = problem.params.copy()
    _, grads_np = gradients(problem.params, problem.X, problem.Y, reduction="mean")
    sgd_step(expected, grads_np, lr=0.5, weight_decay=0.1)
    assert not np.array_equal(expected.weights[0], problem.params.weights[0])  # it moved
    rtol = parity_rtol(np.float64, (5, 4, 3), 6)
    for got, want in zip(params.weights + params.biases, expected.weights + expected.biases):
        assert normwise_error(to_numpy(got), want)[1] <= rtol


@pytest.mark.parametrize("relu_grad_at_zero", [0.5, 1.0])
@pytest.mark.parametrize("asarray", LIBRARIES)
def test_exact_kinks_take_relu_grad_at_zero_in_another_library(
    asarray: Callable[[np.ndarray], Any], relu_grad_at_zero: float
) -> None:
    """The path where z == 0 exactly and h'(0) != 0 (the kink term of eq. 2) runs everywhere."""
    problem = exact_kink_problem()
    params, X, Y = problem.converted(asarray)
    options: dict[str, Any] = {"relu_grad_at_zero": relu_grad_at_zero}
    _, grads = gradients(params, X, Y, **options)
    _, each = gradients_per_example(params, X, Y, **options)
    _, reference = gradients(problem.params, problem.X, problem.Y, **options)
    _, at_zero_0 = gradients(problem.params, problem.X, problem.Y, relu_grad_at_zero=0.0)
    assert reference.biases[0][0] != at_zero_0.biases[0][0]  # the kink matters here
    for got in (grads, each):
        for a, b in zip(to_numpy(got).weights + to_numpy(got).biases,
                        reference.weights + reference.biases):  # fmt: skip
            np.testing.assert_allclose(a, b, rtol=0, atol=parity_rtol(np.float64, (2, 3, 4, 3), 1))


@pytest.mark.parametrize("asarray", LIBRARIES)
def test_bad_values_are_named_in_another_library(asarray: Callable[[np.ndarray], Any]) -> None:
    """The device-side verdicts and the diagnosis that names the culprit, off NumPy too."""
    problem = make_problem((5, 4, 3), 6, seed=1)
    bad_X = problem.X.copy()
    bad_X[2, 1] = np.nan
    params, X, _ = Problem(problem.params, bad_X, problem.Y).converted(asarray)
    with pytest.raises(ValueError, match=r"^X must be finite, but it contains NaN or Inf$"):
        gradients(params, X, asarray(problem.Y))
    params, X, Y = Problem(problem.params, problem.X, np.array([0, 1, 2, 3, 0, 1])).converted(
        asarray
    )
    with pytest.raises(
        ValueError, match=r"^Y labels must lie in 0 \.\. 2 .*got values in 0 \.\. 3$"
    ):
        gradients_per_example(params, X, Y)
    relu = make_problem((5, 4, 3), 6, output="relu", targets="soft", seed=1)
    relu.params.biases[-1][2] = -50.0  # a^L[:, 2] = h(z) = 0 for every example ...
    targets = relu.Y.copy()
    targets[:, 2] = 0.0
    targets[4, 2] = 1.0  # ... but example 4 wants class 2
    params, X, Y = Problem(relu.params, relu.X, targets).converted(asarray)
    with pytest.raises(ValueError, match=r"example 4 has target y\[4, 2\] > 0 but a\^L\[4, 2\]"):
        gradients(params, X, Y, output="relu")


# --- At most one device-to-host transfer per call ---------------------------------------------

#: The ways a value leaves an array-api-strict array for the host.
HOST_READS = ("__bool__", "__float__", "__int__", "__index__", "__complex__", "__array__")


@pytest.fixture
def host_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A counting stand-in: every value array-api-strict hands to the host is logged by name."""
    import array_api_strict

    array_class = type(array_api_strict.asarray(0.0))
    log: list[str] = []
    for name in HOST_READS:
        original = getattr(array_class, name)

        def counted(self: Any, *args: Any, _name: str = name, _f: Any = original, **kw: Any) -> Any:
            log.append(_name)
            return _f(self, *args, **kw)

        monkeypatch.setattr(array_class, name, counted)
    yield log


@pytest.mark.parametrize("output", ["softmax", "relu"])
@pytest.mark.parametrize("targets", ["labels", "soft"])
@pytest.mark.parametrize("entry", ["gradients", "gradients_per_example", "deltas", "forward"])
def test_one_call_reads_one_value_back_from_the_device(
    host_reads: list[str], entry: str, targets: str, output: str
) -> None:
    problem = make_problem((5, 4, 3), 6, output=output, targets=targets, seed=1)
    params, X, Y = problem.converted(_strict_device1)
    host_reads.clear()
    if entry == "forward":
        forward(params, X, output=output)
        assert host_reads == ["__bool__"]  # forward has no J: its NaN/Inf verdict, read once
        return
    {"gradients": gradients, "gradients_per_example": gradients_per_example, "deltas": deltas}[
        entry
    ](params, X, Y, output=output)
    assert host_reads == ["__float__"]  # J, with every verdict folded into it


@pytest.mark.parametrize("output", ["softmax", "relu"])
def test_the_equations_alone_read_nothing_back(host_reads: list[str], output: str) -> None:
    """``backpropagate`` (what the CUDA-graph benchmark captures): no value crosses to the host,
    and on device1 no array is made on another device."""
    from manual_backprop.algorithm import backpropagate
    from manual_backprop.validation import targets_from

    problem = make_problem((5, 4, 3), 6, output=output, targets="soft", seed=1)
    params, X, Y = problem.converted(_strict_device1)
    targets = targets_from(Y, X, 3)
    host_reads.clear()
    J, grads = backpropagate(params, X, targets, output=output, relu_grad_at_zero=0.5)
    assert host_reads == []
    _assert_in_library([J, *grads.weights, *grads.biases], X)


def _synchronisations(call: Callable[[], Any]) -> list[str]:
    """The synchronising CUDA calls ``call()`` makes, as torch's sync debug mode reports them.

    Each one warns "called a synchronizing CUDA operation". The first use of the mode in a
    process also warns that it "is a prototype feature", which is no synchronisation: the H200
    run of 076fb82 counted that notice as one, and the test failed.
    """
    torch.cuda.synchronize()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            call()
        finally:
            torch.cuda.set_sync_debug_mode("default")
    messages = [str(w.message) for w in caught]
    return [m for m in messages if "called a synchronizing CUDA operation" in m]


@pytest.mark.cuda
@pytest.mark.parametrize("entry", ["gradients", "gradients_per_example"])
def test_one_call_synchronises_once_on_cuda(entry: str) -> None:
    """torch's sync debug mode warns at each synchronising call: one, for J."""
    problem = make_problem(DERIVATION_LAYER_SIZES, 8, seed=1)
    params, X, Y = problem.converted(_torch("cuda"))
    call = {"gradients": gradients, "gradients_per_example": gradients_per_example}[entry]
    call(params, X, Y)  # warm-up: first-call work of the allocator and cuBLAS
    # The count can fail: two reads of a CUDA value are two synchronisations, none is none.
    assert len(_synchronisations(lambda: (float(X[0, 0]), float(X[0, 1])))) == 2
    assert _synchronisations(lambda: X + X) == []
    syncs = _synchronisations(lambda: call(params, X, Y))
    assert len(syncs) == 1, syncs


# --- CUDA: manual on the GPU against autograd on the GPU --------------------------------------


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

    def worst(result: Params) -> float:
        return max(
            normwise_error(to_numpy(result).weights[i], reference[1].weights[i])[1]
            for i in range(3)
        )

    error_tf32, error_exact = worst(tf32), worst(exact)
    record_property("tf32_on_max_rel_err", error_tf32)
    record_property("tf32_off_max_rel_err", error_exact)
    print(f"float32 rtol {rtol:.2e}: TF32 on {error_tf32:.2e}, TF32 off {error_exact:.2e}")
    assert error_exact <= rtol < error_tf32
