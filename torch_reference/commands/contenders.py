"""The contenders of the benchmarks, all built from the same weights and data.

Each ``make_*`` function takes a :class:`manual_backprop.checks.problems.Problem` and returns a
zero-argument callable that computes J and every gradient once (one "gradient step" without the
update). ``manual-backprop bench`` runs each contender alone in its own process
(``python -m torch_reference.commands.contenders NAME``, :func:`main`); ``benchmarks/`` runs them
under pytest-benchmark. Nothing here is imported at module level but NumPy and
:mod:`manual_backprop`: a contender's process loads only its own library.

CPU:

* ``manual``: :func:`manual_backprop.gradients` on NumPy arrays, the reference;
* ``manual_torch``: the same public function on torch CPU tensors, through the array API (torch's
  BLAS and its threaded elementwise kernels);
* ``manual_per_example``: :func:`manual_backprop.gradients_per_example` (section 1.5);
* ``torch_module``: autograd through the ``torch_reference`` ``nn.Module`` with
  ``CrossEntropyLoss(reduction="sum")``;
* ``torch_functional``: the lean form, tensors that require grad, ``F.linear``, ``F.relu``,
  ``F.cross_entropy(reduction="sum")`` and ``torch.autograd.grad``;
* ``sklearn``: ``MLPClassifier._backprop`` with the same weights (``alpha=0``); it computes the
  mean loss, so its gradients are ours divided by B: the same work;
* ``floor_numpy``, ``floor_torch``: the GEMM floor, the matrix products of one step alone, into
  preallocated outputs, by NumPy's BLAS and by torch's: per layer the forward product and the two
  backward ones, with no dX product for the first layer (8 GEMMs for two hidden layers).

CUDA (synchronised, TF32 off): ``manual_cuda`` (the hand-written code on CUDA tensors),
``manual_cuda_graph`` (:func:`manual_backprop.algorithm.backpropagate`, the equations alone,
captured once in a CUDA graph and replayed: the checks' verdicts and the one read of J are what
:func:`manual_backprop.gradients` adds to it), ``manual_cuda_compiled`` (the same equations
through ``torch.compile``'s defaults: fused kernels, an opt-in beside the plain step, not a
replacement), ``torch_cuda`` and ``floor_cuda`` (cuBLAS). ``benchmarks/gpu_bench.py`` runs them,
each alone in its own process.

All contenders use ``h'(0) = 0``, as PyTorch and scikit-learn do, and each library's defaults:
no thread or environment setting is changed.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from manual_backprop import gradients, gradients_per_example
from manual_backprop.algorithm import backpropagate
from manual_backprop.checks.problems import Problem, make_problem
from manual_backprop.validation import targets_from

__all__ = [
    "CPU_CONTENDERS",
    "CUDA_CONTENDERS",
    "VARIANTS",
    "library_info",
    "make_variant",
    "time_contender",
]

Step = Callable[[], Any]


def _tensors(problem: Problem, device: str) -> tuple[Any, Any, Any]:
    from torch_reference.convert import to_tensor

    return problem.converted(lambda array: to_tensor(array, device))


def make_manual(problem: Problem) -> Step:
    params, X, Y = problem.params, problem.X, problem.Y
    return lambda: gradients(params, X, Y, relu_grad_at_zero=0.0)


def make_manual_torch(problem: Problem) -> Step:
    params, X, Y = _tensors(problem, "cpu")
    return lambda: gradients(params, X, Y, relu_grad_at_zero=0.0)


def make_manual_per_example(problem: Problem) -> Step:
    params, X, Y = problem.params, problem.X, problem.Y
    return lambda: gradients_per_example(params, X, Y, relu_grad_at_zero=0.0)


def _make_torch_module(problem: Problem, device: str) -> Step:
    import torch

    from torch_reference.convert import to_tensor
    from torch_reference.model import from_params
    from torch_reference.oracle import no_tf32

    model = from_params(problem.params, device)
    X, labels = to_tensor(problem.X, device), to_tensor(problem.Y, device)
    loss = torch.nn.CrossEntropyLoss(reduction="sum")
    parameters = list(model.parameters())

    def step() -> Any:
        for parameter in parameters:
            parameter.grad = None
        loss(model(X), labels).backward()
        return [parameter.grad for parameter in parameters]

    if device == "cpu":
        return step

    def synchronised() -> Any:
        with no_tf32():
            result = step()
        torch.cuda.synchronize()
        return result

    return synchronised


def make_torch_module(problem: Problem) -> Step:
    return _make_torch_module(problem, "cpu")


def make_torch_functional(problem: Problem) -> Step:
    """``F.linear``/``F.relu``/``F.cross_entropy`` on leaf tensors, ``torch.autograd.grad``."""
    import torch
    import torch.nn.functional as F

    from torch_reference.convert import to_tensor
    from torch_reference.layout import linear_weight

    weights = [linear_weight(W).requires_grad_() for W in problem.params.weights]
    biases = [to_tensor(b).requires_grad_() for b in problem.params.biases]
    X, labels = to_tensor(problem.X), to_tensor(problem.Y)
    leaves = weights + biases

    def step() -> Any:
        a = X
        for l, (W, b) in enumerate(zip(weights, biases), start=1):
            a = F.linear(a, W, b)
            if l < len(weights):
                a = F.relu(a)
        J = F.cross_entropy(a, labels, reduction="sum")
        return J, torch.autograd.grad(J, leaves)

    return step


def make_torch_cuda(problem: Problem) -> Step:
    return _make_torch_module(problem, "cuda")


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


def _numpy_product(left: np.ndarray, right: np.ndarray, out: np.ndarray) -> Callable[[], Any]:
    """The fastest NumPy form of ``left @ right`` into ``out``: BLAS through ``np.matmul``, but
    ``np.einsum`` for an inner dimension of 1 (B = 1's outer products ``A^T Delta``), which
    ``np.matmul`` does not hand to BLAS and runs 4-7x slower than einsum."""
    if left.shape[1] == 1:
        return lambda: np.einsum("ik,kj->ij", left, right, out=out)
    return lambda: np.matmul(left, right, out=out)


def make_floor_numpy(problem: Problem) -> Step:
    """The matrix products of one step, alone, by NumPy (BLAS), on preallocated outputs."""
    products = [_numpy_product(*product) for product in _floor_products(problem, np.asarray)]

    def step() -> None:
        for product in products:
            product()

    return step


def make_floor_torch(problem: Problem) -> Step:
    """The same products by torch's BLAS on the CPU (``torch.matmul(..., out=)``)."""
    import torch

    from torch_reference.convert import to_tensor

    products = _floor_products(problem, to_tensor)

    def step() -> None:
        for left, right, out in products:
            torch.matmul(left, right, out=out)

    return step


def make_manual_cuda(problem: Problem) -> Step:
    import torch

    from torch_reference.oracle import no_tf32

    params, X, Y = _tensors(problem, "cuda")

    def step() -> Any:
        with no_tf32():
            result = gradients(params, X, Y, relu_grad_at_zero=0.0)
        torch.cuda.synchronize()
        return result

    return step


def make_manual_cuda_graph(problem: Problem) -> Step:
    """:func:`~manual_backprop.algorithm.backpropagate` as one replayed CUDA graph."""
    import torch

    from torch_reference.oracle import no_tf32

    params, X, Y = _tensors(problem, "cuda")
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
            captured = equations()

    def step() -> Any:
        graph.replay()
        torch.cuda.synchronize()
        return captured

    return step


def make_manual_cuda_compiled(problem: Problem) -> Step:
    """:func:`~manual_backprop.algorithm.backpropagate` through ``torch.compile`` (defaults).

    The first call compiles (the benchmarks' warm-up calls absorb it); a new batch size may
    compile once more, with dynamic shapes.
    """
    import torch

    from torch_reference.oracle import no_tf32

    params, X, Y = _tensors(problem, "cuda")
    targets = targets_from(Y, X, problem.params.layer_sizes[-1])  # valid labels, by construction
    compiled = torch.compile(backpropagate)

    def step() -> Any:
        with no_tf32():
            result = compiled(params, X, targets, relu_grad_at_zero=0.0)
        torch.cuda.synchronize()
        return result

    return step


def make_floor_cuda(problem: Problem) -> Step:
    """The same products as :func:`make_floor_numpy`, by cuBLAS, TF32 off, synchronised."""
    import torch

    from torch_reference.oracle import no_tf32

    products = _floor_products(problem, lambda array: _tensors_one(array, "cuda"))

    def step() -> None:
        with no_tf32():
            for left, right, out in products:
                torch.matmul(left, right, out=out)
        torch.cuda.synchronize()

    return step


def _tensors_one(array: np.ndarray, device: str) -> Any:
    from torch_reference.convert import to_tensor

    return to_tensor(array, device)


VARIANTS: dict[str, Callable[[Problem], Step]] = {
    "manual": make_manual,
    "manual_torch": make_manual_torch,
    "manual_per_example": make_manual_per_example,
    "torch_module": make_torch_module,
    "torch_functional": make_torch_functional,
    "sklearn": make_sklearn,
    "floor_numpy": make_floor_numpy,
    "floor_torch": make_floor_torch,
    "manual_cuda": make_manual_cuda,
    "manual_cuda_graph": make_manual_cuda_graph,
    "manual_cuda_compiled": make_manual_cuda_compiled,
    "torch_cuda": make_torch_cuda,
    "floor_cuda": make_floor_cuda,
}
#: What ``manual-backprop bench`` times on the CPU, each in its own process.
CPU_CONTENDERS = (
    "manual",
    "manual_torch",
    "torch_module",
    "torch_functional",
    "sklearn",
    "floor_numpy",
    "floor_torch",
)
#: What ``benchmarks/gpu_bench.py`` times on CUDA, each in its own process.
CUDA_CONTENDERS = (
    "manual_cuda",
    "manual_cuda_graph",
    "manual_cuda_compiled",
    "torch_cuda",
    "floor_cuda",
)


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


def time_contender(
    name: str, sizes: tuple[int, ...], batch: int, dtype: str, budget_s: float
) -> float:
    """The median seconds of one call of ``name``, after three warm-up calls, within a budget."""
    step = make_variant(name, make_problem(sizes, batch, dtype=np.dtype(dtype), seed=0))
    for _ in range(3):  # warm-up: allocator, BLAS threads, caches
        step()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < budget_s and len(times) < 2000):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def library_info(name: str) -> dict[str, Any]:
    """The library a contender runs on, its BLAS and its threads, as its own process sees them."""
    info: dict[str, Any] = {}
    if name in ("manual", "sklearn", "floor_numpy", "manual_per_example"):
        config: Any = np.show_config(mode="dicts") or {}
        numpy_blas = config.get("Build Dependencies", {}).get("blas", {})
        info["library"] = f"numpy {np.__version__}"
        info["blas"] = f"{numpy_blas.get('name')} {numpy_blas.get('version')}".strip()
        try:
            from threadpoolctl import threadpool_info

            info["threads"] = {
                pool["internal_api"]: pool["num_threads"] for pool in threadpool_info()
            }
        except ImportError:
            info["threads"] = None
        if name == "sklearn":
            import sklearn

            info["library"] += f", scikit-learn {sklearn.__version__}"
    else:
        import torch

        shown = torch.__config__.show()
        torch_blas = [
            line.split("=", 1)[1]
            for line in shown.replace(",", "\n").splitlines()
            if "BLAS_INFO=" in line
        ]
        info["library"] = f"torch {torch.__version__}"
        info["blas"] = torch_blas[0].strip() if torch_blas else None
        info["threads"] = {
            "torch": torch.get_num_threads(),
            "interop": torch.get_num_interop_threads(),
        }
        if name in CUDA_CONTENDERS:
            info["gpu"] = torch.cuda.get_device_name(0)
            info["cuda"] = torch.version.cuda
    return info


def main(argv: list[str] | None = None) -> None:
    """Time one contender on every configuration given, in this process; print JSON."""
    parser = argparse.ArgumentParser(description="Time one contender alone (used by bench).")
    parser.add_argument("name", choices=sorted(VARIANTS))
    parser.add_argument("configurations", help="JSON list of [sizes, batch, dtype]")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per configuration")
    args = parser.parse_args(argv)
    medians = [
        time_contender(args.name, tuple(sizes), batch, dtype, args.budget)
        for sizes, batch, dtype in json.loads(args.configurations)
    ]
    print(json.dumps({"medians_s": medians, "library": library_info(args.name)}))


if __name__ == "__main__":
    main()
