"""GPU benchmarks (pytest-benchmark, synchronised, warmed up): the hand-written equations on
CUDA tensors against autograd on CUDA and the cuBLAS GEMM floor, 784-1024-512-10, batches up to
65,536. Marked ``cuda``; they skip without a GPU.

    pytest benchmarks/test_gpu.py -m cuda --benchmark-enable --benchmark-group-by=group

All variants share one process here; the figures docs/performance.md quotes come from
``benchmarks/gpu_bench.py``, which runs each contender alone in its own process.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from manual_backprop.checks.problems import make_problem
from torch_reference.commands.contenders import make_variant

BATCHES = (256, 2048, 16384, 65536)


@pytest.mark.cuda
@pytest.mark.parametrize(
    "variant", ["manual_cuda", "manual_cuda_graph", "torch_cuda", "floor_cuda"]
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch", BATCHES)
def test_gpu_gradient_step(benchmark: Any, batch: int, dtype: str, variant: str) -> None:
    problem = make_problem((784, 1024, 512, 10), batch, dtype=np.dtype(dtype), seed=0)
    try:
        step = make_variant(variant, problem)
    except RuntimeError as error:  # e.g. a CUDA graph capture this torch cannot do
        pytest.skip(f"{variant} could not be set up: {error}")
    for _ in range(3):  # warm-up: cuBLAS handles, kernels, the caching allocator
        step()
    benchmark.group = f"cuda 784-1024-512-10 B={batch} {dtype}"
    benchmark.pedantic(step, rounds=20, iterations=1, warmup_rounds=2)
