"""CPU benchmarks (pytest-benchmark): the hand-written gradients against their peers, and PyTorch
on CUDA (synchronised; it skips without a GPU) in the same groups.

One group per (layer sizes, batch size, dtype); in each, the same weights and data for every
variant (``torch_reference/benchmarking.py``). Run them with timing on:

    pytest benchmarks/test_cpu.py --benchmark-enable --benchmark-group-by=group \
        --benchmark-columns=median,iqr,rounds

``pytest`` alone (and CI) runs each once as a smoke test (``--benchmark-disable`` in pyproject,
which also turns the warm-up on, so that rounds are not calibrated on a cold first call).
For ratios measured side by side in one process, interleaved, use ``manual-backprop bench``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from manual_backprop.checks.problems import make_problem
from torch_reference.commands.contenders import make_variant

SIZES = {"784-1024-512-10": (784, 1024, 512, 10), "64-128-64-10": (64, 128, 64, 10)}
BATCHES = (1, 16, 256, 2048)
CPU_VARIANTS = ("manual", "manual_per_example", "torch_cpu", "sklearn", "floor")
VARIANTS = [*CPU_VARIANTS, pytest.param("torch_cuda", marks=pytest.mark.cuda)]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("sizes", sorted(SIZES))
def test_gradient_step(benchmark: Any, sizes: str, batch: int, dtype: str, variant: str) -> None:
    if variant == "manual_per_example" and batch * SIZES[sizes][1] > 256 * 1024:
        pytest.skip("per example at this size takes seconds a call; see manual-backprop bench")
    torch.set_num_threads(torch.get_num_threads())  # the same threads as NumPy's BLAS (all cores)
    problem = make_problem(SIZES[sizes], batch, dtype=np.dtype(dtype), seed=0)
    benchmark.group = f"{sizes} B={batch} {dtype}"
    benchmark(make_variant(variant, problem))
