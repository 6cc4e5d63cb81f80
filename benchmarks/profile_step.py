"""Where one manual gradient step spends its time, part by part.

    python benchmarks/profile_step.py [--sizes 784-1024-512-10] [--batch 2048] [--dtype float64]
                                      [--calls 40]

It runs the step through the package's own pieces (the checks, then the lines of
``forward.forward_pass`` and ``gradients._batch_gradients`` in their order) with a clock between
them, and the GEMM floor (the same products into preallocated outputs) for comparison. It also
times the whole step with and without the input checks. Every figure is a median over calls.
The numbers in docs/performance.md come from it. Run it with ``OPENBLAS_THREAD_TIMEOUT=4``
beside nothing else.
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
    parser.add_argument("--sizes", default="784-1024-512-10", help="layer widths n_0-n_1-...-n_L")
    parser.add_argument("--batch", type=int, default=2048)
    parser.add_argument("--dtype", default="float64")
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    sizes = tuple(int(width) for width in args.sizes.split("-"))
    problem = make_problem(sizes, args.batch, dtype=np.dtype(args.dtype), seed=0)
    params, X, Y = problem.params, problem.X, problem.Y
    per_call: list[dict[str, float]] = []  # seconds per part, one dict per call
    floor = make_floor(problem)
    floor_times = []
    for _ in range(args.calls + 1):  # the first call only warms up
        t0 = time.perf_counter()
        floor()
        floor_times.append(time.perf_counter() - t0)
        per_call.append(defaultdict(float))
        clock = time.perf_counter()

        def lap(part: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            per_call[-1][part] += now - clock
            clock = now

        check_inputs(params, X)
        lap("checks")
        targets = targets_from(Y, X, sizes[-1])
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
            # as backward.layer_gradients: one example is the literal outer product and delta
            previous, ones = acts[l - 1], np.ones(args.batch, dtype=X.dtype)
            _ = np.einsum("bi,bj->ij", previous, delta) if args.batch == 1 else previous.T @ delta
            lap("products")
            _ = delta[0, :] if args.batch == 1 else ones @ delta
            lap("elementwise: bias gradient")
            if l > 1:
                upstream = delta @ params.weights[l - 1].T
                lap("products")
                delta = relu_backward(upstream, pre[l - 2], 0.0)
                lap("elementwise: ReLU mask")

    calls, per_call = args.calls, per_call[1:]
    floor_ms = float(np.median(floor_times[1:])) * 1e3
    print(f"{args.sizes}, B={args.batch}, {args.dtype}, medians of {calls} calls")
    print(f"GEMM floor: {floor_ms:.3f} ms")
    for parts in per_call:
        elementwise = [v for name, v in parts.items() if name.startswith("elementwise")]
        parts["elementwise, all parts"] = sum(elementwise)
    for part in per_call[0]:
        ms = 1e3 * float(np.median([parts[part] for parts in per_call]))
        print(f"  {part:<34} {ms:8.3f} ms  {ms / floor_ms:6.1%} of the floor")
    targets, at_zero, scale = _prepare(params, X, Y, "softmax", "sum", 0.0)
    checked, unchecked = [], []
    for _ in range(calls):  # each result kept until the next returns (benchmarks/page_faults.py)
        t0 = time.perf_counter()
        kept = gradients(params, X, Y, relu_grad_at_zero=0.0)
        t1 = time.perf_counter()
        kept = _batch_gradients(params, X, targets, "softmax", at_zero, scale)  # noqa: F841
        t2 = time.perf_counter()
        checked.append(t1 - t0)
        unchecked.append(t2 - t1)
    print(f"whole step: {np.median(checked) * 1e3:.3f} ms with the input checks, "
          f"{np.median(unchecked) * 1e3:.3f} ms without")  # fmt: skip


if __name__ == "__main__":
    main()
