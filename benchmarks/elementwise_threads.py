"""Would two threads speed up the step's elementwise passes? (An optimisation we did not take.)

    python benchmarks/elementwise_threads.py

NumPy runs each ufunc on one core. This times the two largest passes of a step, the ReLU of
eq. (4) and the ReLU mask of eq. (16), on the shapes of the first hidden layer of
784-1024-512-10, once on one thread and once split into two row halves on two threads (NumPy
releases the GIL inside ufunc loops). docs/performance.md quotes it.
"""

from __future__ import annotations

import timeit
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from manual_backprop.activations import relu_grad

SHAPES = [((256, 1024), "float32"), ((256, 1024), "float64"), ((2048, 1024), "float64")]


def _times_us(pool: ThreadPoolExecutor, Z: np.ndarray, upstream: np.ndarray) -> list[float]:
    """ReLU and mask, each on one thread and on two (row halves): best of 5, microseconds."""
    A, half = np.empty_like(Z), Z.shape[0] // 2

    def relu_one() -> None:
        np.maximum(Z, 0.0, out=A)

    def relu_two() -> None:
        first = pool.submit(np.maximum, Z[:half], 0.0, out=A[:half])
        np.maximum(Z[half:], 0.0, out=A[half:])
        first.result()

    def hadamard(rows: slice) -> Any:
        return relu_grad(Z[rows], 0.0) * upstream[rows]  # eq. (16)'s Hadamard product

    def mask_one() -> None:
        hadamard(slice(None))

    def mask_two() -> None:
        first = pool.submit(hadamard, slice(0, half))
        hadamard(slice(half, None))
        first.result()

    steps = (relu_one, relu_two, mask_one, mask_two)
    return [min(timeit.repeat(step, number=50, repeat=5)) / 50 * 1e6 for step in steps]


def main() -> None:
    pool = ThreadPoolExecutor(max_workers=1)  # the second half runs on the calling thread
    rng = np.random.default_rng(0)
    print(f"{'shape':<13} {'dtype':<8} {'ReLU 1 thread':>14} {'2 threads':>10} "
          f"{'mask 1 thread':>14} {'2 threads':>10}   (us, best of 5)")  # fmt: skip
    for shape, dtype in SHAPES:
        Z = rng.standard_normal(shape).astype(dtype)
        upstream = rng.standard_normal(shape).astype(dtype)
        times = _times_us(pool, Z, upstream)
        print(f"{shape!s:<13} {dtype:<8} {times[0]:>14.0f} {times[1]:>10.0f} "
              f"{times[2]:>14.0f} {times[3]:>10.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
