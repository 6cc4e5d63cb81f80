"""Where one manual gradient step spends its time, part by part.

    python benchmarks/profile_step.py [--batch 2048] [--dtype float64] [--calls 40]

It runs the step through the package's own pieces (the checks, then the lines of
``forward.forward_pass`` and ``gradients._batch_gradients`` in their order) with a clock between
them, and the GEMM floor (the same products into preallocated outputs) for comparison. It also
times the whole step with and without the input checks. The numbers in docs/performance.md come
from it. Run it with ``OPENBLAS_THREAD_TIMEOUT=4`` beside nothing else.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np

from manual_backprop.activations import relu, relu_backward, softmax
from manual_backprop.gradients import _batch_gradients, _prepare, gradients
from manual_backprop.heads import loss, output_delta
from manual_backprop.problems import make_problem
from manual_backprop.validation import check_inputs, targets_from
from torch_reference.benchmarking import make_floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=2048)
    parser.add_argument("--dtype", default="float64")
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    problem = make_problem((784, 1024, 512, 10), args.batch, dtype=np.dtype(args.dtype), seed=0)
    params, X, Y = problem.params, problem.X, problem.Y
    totals: dict[str, float] = defaultdict(float)
    floor = make_floor(problem)
    floor_times = []
    for _ in range(args.calls):
        t0 = time.perf_counter()
        floor()
        floor_times.append(time.perf_counter() - t0)
        clock = time.perf_counter()

        def lap(part: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            totals[part] += now - clock
            clock = now

        check_inputs(params, X)
        lap("checks")
        targets = targets_from(Y, X, 10)
        lap("elementwise: head and targets")
        pre, acts = [], [X]
        for l, (W, b) in enumerate(zip(params.weights, params.biases), start=1):
            Z = acts[-1] @ W
            lap("products")
            Z += b
            lap("elementwise: bias add")
            acts.append(relu(Z) if l < len(params.weights) else softmax(Z))
            lap("elementwise: activation")
            pre.append(Z)
        loss(pre[-1], acts[-1], targets, "softmax")
        delta = output_delta(pre[-1], acts[-1], targets, "softmax", 0.0)
        lap("elementwise: head and targets")
        for l in range(len(params.weights), 0, -1):
            previous, ones = acts[l - 1], np.ones(args.batch, dtype=X.dtype)
            _ = previous.T * delta if args.batch == 1 else previous.T @ delta
            lap("products")
            ones @ delta
            lap("elementwise: bias gradient")
            if l > 1:
                upstream = delta @ params.weights[l - 1].T
                lap("products")
                delta = relu_backward(upstream, pre[l - 2], 0.0)
                lap("elementwise: ReLU mask")

    calls = args.calls
    floor_ms = float(np.median(floor_times)) * 1e3
    print(f"784-1024-512-10, B={args.batch}, {args.dtype}, mean of {calls} calls")
    print(f"GEMM floor (median): {floor_ms:.3f} ms")
    for part, seconds in sorted(totals.items()):
        ms = seconds / calls * 1e3
        print(f"  {part:<34} {ms:8.3f} ms  {ms / floor_ms:6.1%} of the floor")
    targets, at_zero, scale = _prepare(params, X, Y, "softmax", "sum", 0.0)
    checked, unchecked = [], []
    for _ in range(calls):
        t0 = time.perf_counter()
        gradients(params, X, Y, relu_grad_at_zero=0.0)
        t1 = time.perf_counter()
        _batch_gradients(params, X, targets, "softmax", at_zero, scale)
        t2 = time.perf_counter()
        checked.append(t1 - t0)
        unchecked.append(t2 - t1)
    print(f"whole step (median): {np.median(checked) * 1e3:.3f} ms with the input checks, "
          f"{np.median(unchecked) * 1e3:.3f} ms without")  # fmt: skip


if __name__ == "__main__":
    main()
