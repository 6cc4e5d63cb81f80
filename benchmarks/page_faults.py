"""The manual step called back to back: page faults and time per call, by how results are kept.

    python benchmarks/page_faults.py [--sizes 784-1024-512-10] [--batch 256] [--dtype float64]
                                     [--calls 10]

``manual-backprop bench`` interleaves the variants; this calls the manual step alone, one call
after another, in three phases, and counts the process's minor page faults per call
(``getrusage``, Unix): first discarding each result from the start of the process, then keeping
each result until the next call returns (as a training loop does), then discarding again. Each
call allocates fresh outputs, so it pays a fault per 4 KiB page whenever the C allocator has
handed freed memory back to the kernel; glibc's dynamic thresholds decide when, from the history
of the process. docs/performance.md quotes it, with and without ``MALLOC_MMAP_THRESHOLD_`` and
``MALLOC_TRIM_THRESHOLD_`` set so that freed memory is kept.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from manual_backprop.checks.problems import make_problem
from torch_reference.commands.contenders import VARIANTS


def _phase(name: str, call: Callable[[], Any], calls: int) -> None:
    faults, times = [], []
    for _ in range(calls):
        faults_before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_before)
    print(f"  {name:<40} {np.median(times) * 1e3:9.3f} ms (median)  page faults a call: {faults}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="784-1024-512-10", help="layer widths n_0-n_1-...-n_L")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--dtype", default="float64")
    parser.add_argument("--calls", type=int, default=10)
    args = parser.parse_args()
    sizes = tuple(int(width) for width in args.sizes.split("-"))
    problem = make_problem(sizes, args.batch, dtype=np.dtype(args.dtype), seed=0)
    # the raw steps: make_variant would keep each result until the next call, as phase 2 does
    manual, floor = VARIANTS["manual"](problem), VARIANTS["floor_numpy"](problem)
    kept: list[Any] = [None]

    def keep() -> None:
        kept[0] = manual()  # the previous result is freed only once this call has returned

    print(f"{args.sizes}, B={args.batch}, {args.dtype}, {args.calls} calls a phase")
    _phase("manual, each result discarded", manual, args.calls)
    _phase("manual, each result kept until the next", keep, args.calls)
    _phase("manual, discarded again", manual, args.calls)
    _phase("GEMM floor (preallocated outputs)", floor, args.calls)


if __name__ == "__main__":
    main()
