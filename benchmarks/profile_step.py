"""Where one manual gradient step spends its time, from the package's public pieces.

    python benchmarks/profile_step.py [--sizes 784-1024-512-10] [--batch 2048] [--dtype float64]
                                      [--calls 10] [--blocks 8]

Times, each a median over calls after a warm-up call, on the same problem:

* the GEMM floor: the step's matrix products alone, into preallocated outputs;
* step 1, the forward pass (:func:`manual_backprop.forward.forward_pass`);
* steps 1-3, the equations alone (:func:`manual_backprop.algorithm.backpropagate`);
* the whole call (:func:`manual_backprop.gradients`): the equations, the structure checks, the
  verdicts computed on the device and the one read of J.

The parts alternate in blocks of calls, and each figure is the median over blocks of each
block's median, so that every part meets the same allocator and cache conditions.

The differences give the backward pass (steps 2-3) and the cost of the checks. It restates no
equation: it calls the same functions a user calls. Each result is kept until the next call
returns, as a training loop keeps its gradients (``benchmarks/page_faults.py`` says why).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from manual_backprop import gradients
from manual_backprop.algorithm import backpropagate
from manual_backprop.checks.problems import make_problem
from manual_backprop.forward import forward_pass
from manual_backprop.validation import targets_from
from torch_reference.commands.contenders import make_floor_numpy


def _interleaved_medians(
    parts: dict[str, Callable[[], Any]], calls: int, blocks: int
) -> dict[str, float]:
    """Each part's median ms: blocks of ``calls`` calls, the parts alternating block by block.

    Timing the parts one after another lets the allocator and the caches settle differently for
    each (a part timed after another inherits its heap); alternating blocks, and the median over
    blocks of each block's median, gives every part the same conditions.
    """
    kept: dict[str, Any] = {}
    per_block: dict[str, list[float]] = {name: [] for name in parts}
    for _ in range(blocks):
        for name, call in parts.items():
            kept[name] = call()  # warm-up of this block
            times = []
            for _ in range(calls):
                t0 = time.perf_counter()
                kept[name] = call()  # the previous result is freed once this one exists
                times.append(time.perf_counter() - t0)
            per_block[name].append(float(np.median(times)))
    return {name: float(np.median(values)) * 1e3 for name, values in per_block.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="784-1024-512-10", help="layer widths n_0-n_1-...-n_L")
    parser.add_argument("--batch", type=int, default=2048)
    parser.add_argument("--dtype", default="float64")
    parser.add_argument("--calls", type=int, default=10, help="calls per block")
    parser.add_argument("--blocks", type=int, default=8, help="blocks per part, alternating")
    args = parser.parse_args()
    sizes = tuple(int(width) for width in args.sizes.split("-"))
    problem = make_problem(sizes, args.batch, dtype=np.dtype(args.dtype), seed=0)
    params, X, Y = problem.params, problem.X, problem.Y
    targets = targets_from(Y, X, sizes[-1])
    parts = {
        "GEMM floor (NumPy's BLAS)": make_floor_numpy(problem),
        "step 1: forward_pass": lambda: forward_pass(params, X, "softmax"),
        "steps 1-3: backpropagate": lambda: backpropagate(
            params, X, targets, relu_grad_at_zero=0.0
        ),
        "whole call: gradients": lambda: gradients(params, X, Y, relu_grad_at_zero=0.0),
    }
    ms = _interleaved_medians(parts, args.calls, args.blocks)
    floor = ms["GEMM floor (NumPy's BLAS)"]
    ms["steps 2-3 (backpropagate - forward_pass)"] = (
        ms["steps 1-3: backpropagate"] - ms["step 1: forward_pass"]
    )
    ms["checks and the read of J (gradients - backpropagate)"] = (
        ms["whole call: gradients"] - ms["steps 1-3: backpropagate"]
    )
    print(
        f"{args.sizes}, B={args.batch}, {args.dtype}, median over {args.blocks} alternating blocks "
        f"of {args.calls} calls"
    )
    for name, value in ms.items():
        print(f"  {name:<54} {value:9.3f} ms  {value / floor:7.1%} of the floor")


if __name__ == "__main__":
    main()
