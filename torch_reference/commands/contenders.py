"""The contestants of the benchmarks, all built from the same weights and data.

Each ``make_*`` function takes a :class:`manual_backprop.checks.problems.Problem` and returns a
zero-argument callable that computes J and every gradient once (one "gradient step" without the
update). Used by ``benchmarks/`` (pytest-benchmark) and ``manual-backprop bench``.

* ``manual``: :func:`manual_backprop.gradients`, batched.
* ``manual_per_example``: :func:`manual_backprop.gradients_per_example` (section 1.5).
* ``torch_cpu`` / ``torch_cuda``: autograd through the ``torch_reference`` model, with
  ``CrossEntropyLoss(reduction="sum")``; CUDA is synchronised and TF32 is off.
* ``sklearn``: ``MLPClassifier._backprop`` with the same weights (``alpha=0``); it computes the
  mean loss, so its gradients are ours divided by B: the same work.
* ``floor``: the GEMM floor, the matrix products of one step alone, into preallocated outputs: per
  layer the forward product and the two backward ones, with no dX product for the first layer
  (8 GEMMs for a network with two hidden layers).
* ``manual_cuda``, ``floor_cuda``: the same hand-written code on torch CUDA tensors (through the
  array API), and the same products by cuBLAS (``torch.matmul(..., out=)``), synchronised.
* ``manual_cuda_graph``: the hand-written step captured once in a CUDA graph and replayed, to
  take kernel-launch overhead out at small batches. It replays
  :func:`manual_backprop.algorithm.backpropagate`, the equations alone: the checks' verdicts and
  the one read of J back to the host are what :func:`~manual_backprop.gradients` adds to it.

All variants use ``h'(0) = 0``, as PyTorch and scikit-learn do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from manual_backprop import gradients, gradients_per_example
from manual_backprop.algorithm import backpropagate
from manual_backprop.checks.problems import Problem
from manual_backprop.validation import targets_from
from torch_reference.convert import to_tensor
from torch_reference.model import from_params
from torch_reference.oracle import no_tf32

__all__ = ["VARIANTS", "make_variant"]

Step = Callable[[], Any]


def make_manual(problem: Problem) -> Step:
    params, X, Y = problem.params, problem.X, problem.Y
    return lambda: gradients(params, X, Y, relu_grad_at_zero=0.0)


def make_manual_per_example(problem: Problem) -> Step:
    params, X, Y = problem.params, problem.X, problem.Y
    return lambda: gradients_per_example(params, X, Y, relu_grad_at_zero=0.0)


def _make_torch(problem: Problem, device: str) -> Step:
    model = from_params(problem.params, device)
    X, labels = to_tensor(problem.X, device), to_tensor(problem.Y, device)
    loss = torch.nn.CrossEntropyLoss(reduction="sum")
    parameters = list(model.parameters())
    synchronize = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def step() -> None:
        for parameter in parameters:
            parameter.grad = None
        with no_tf32():
            loss(model(X), labels).backward()
        synchronize()

    return step


def make_torch_cpu(problem: Problem) -> Step:
    return _make_torch(problem, "cpu")


def make_torch_cuda(problem: Problem) -> Step:
    return _make_torch(problem, "cuda")


def make_sklearn(problem: Problem) -> Step:
    from sklearn.neural_network import MLPClassifier

    sizes = problem.params.layer_sizes
    dtype = problem.X.dtype
    model = MLPClassifier(hidden_layer_sizes=sizes[1:-1], alpha=0.0)
    model.n_outputs_ = sizes[-1]
    model.n_layers_ = len(sizes)
    model.out_activation_ = "softmax"
    model.coefs_ = [np.array(W) for W in problem.params.weights]
    model.intercepts_ = [np.array(b) for b in problem.params.biases]
    batch = problem.X.shape[0]
    one_hot = np.eye(sizes[-1], dtype=dtype)[problem.Y]
    activations = [problem.X] + [np.empty((batch, n), dtype=dtype) for n in sizes[1:]]
    deltas = [np.empty_like(a) for a in activations[1:]]
    coef_grads = [np.empty_like(W) for W in model.coefs_]
    intercept_grads = [np.empty_like(b) for b in model.intercepts_]
    X = problem.X
    return lambda: model._backprop(
        X, one_hot, None, activations, deltas, coef_grads, intercept_grads
    )


def _floor_products(
    problem: Problem, asarray: Callable[[np.ndarray], Any]
) -> list[tuple[Any, Any, Any]]:
    """``(left, right, out)`` for each product of one step, operands made by ``asarray``.

    Per layer the forward ``A W``, ``dW = A^T Delta`` and, above the first layer,
    ``dX = Delta W^T``; the activations and deltas are random arrays of the right shapes.
    """
    sizes, batch, dtype = problem.params.layer_sizes, problem.X.shape[0], problem.X.dtype
    rng = np.random.default_rng(0)
    activations = [problem.X] + [rng.random((batch, n)).astype(dtype) for n in sizes[1:-1]]
    deltas = [rng.random((batch, n)).astype(dtype) for n in sizes[1:]]
    products = []
    for l, W_np in enumerate(problem.params.weights, start=1):
        A, D, W = asarray(activations[l - 1]), asarray(deltas[l - 1]), asarray(W_np)
        products.append((A, W, asarray(np.empty((batch, W_np.shape[1]), dtype))))  # A W
        products.append((A.T, D, asarray(np.empty(W_np.shape, dtype))))  # dW = A^T Delta
        if l > 1:
            products.append((D, W.T, asarray(np.empty((batch, W_np.shape[0]), dtype))))  # dX
    return products


def make_floor(problem: Problem) -> Step:
    """The matrix products of one step, alone, on preallocated outputs (the BLAS floor)."""
    products = _floor_products(problem, np.asarray)

    def step() -> None:
        for left, right, out in products:
            np.matmul(left, right, out=out)

    return step


def make_manual_cuda(problem: Problem) -> Step:
    params, X, Y = problem.converted(lambda array: to_tensor(array, "cuda"))

    def step() -> None:
        with no_tf32():
            gradients(params, X, Y, relu_grad_at_zero=0.0)
        torch.cuda.synchronize()

    return step


def make_manual_cuda_graph(problem: Problem) -> Step:
    """The step (softmax head, h'(0) = 0: no host syncs inside) as one replayed CUDA graph."""
    params, X, Y = problem.converted(lambda array: to_tensor(array, "cuda"))
    targets = targets_from(Y, X, problem.params.layer_sizes[-1])  # valid labels, by construction

    def equations() -> Any:
        return backpropagate(params, X, targets, relu_grad_at_zero=0.0)  # no checks, no host read

    with no_tf32():
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):  # warm up off the default stream, as capture requires
            for _ in range(3):
                equations()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            captured = equations()  # noqa: F841 (the graph keeps its outputs alive)

    def step() -> None:
        graph.replay()
        torch.cuda.synchronize()

    return step


def make_floor_cuda(problem: Problem) -> Step:
    """The same products as :func:`make_floor`, by cuBLAS, TF32 off, synchronised."""
    products = _floor_products(problem, lambda array: to_tensor(array, "cuda"))

    def step() -> None:
        with no_tf32():
            for left, right, out in products:
                torch.matmul(left, right, out=out)
        torch.cuda.synchronize()

    return step


VARIANTS: dict[str, Callable[[Problem], Step]] = {
    "manual": make_manual,
    "manual_per_example": make_manual_per_example,
    "torch_cpu": make_torch_cpu,
    "torch_cuda": make_torch_cuda,
    "sklearn": make_sklearn,
    "floor": make_floor,
    "manual_cuda": make_manual_cuda,
    "manual_cuda_graph": make_manual_cuda_graph,
    "floor_cuda": make_floor_cuda,
}


def make_variant(name: str, problem: Problem) -> Step:
    """The step function of variant ``name`` (a key of :data:`VARIANTS`) on ``problem``.

    Each call keeps its result until the next call has returned, as a training loop keeps its
    gradients (``J, grads = gradients(...)``), and returns it. A loop that dropped every result at
    once could settle glibc into handing the freed heap back to the kernel after every call, and
    the next call would pay a page fault per fresh 4 KiB page: up to 2x the time of a variant that
    allocates its outputs (``benchmarks/page_faults.py`` measures it on the raw step).
    """
    if name not in VARIANTS:
        raise ValueError(f"variant must be one of {sorted(VARIANTS)}, got {name!r}")
    step = VARIANTS[name](problem)
    kept: list[Any] = [None]

    def call() -> Any:
        kept[0] = step()  # the previous result is freed only once this one exists
        return kept[0]

    return call
