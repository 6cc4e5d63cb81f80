"""CPU benchmarks (pytest-benchmark): the hand-written gradients against their peers, and PyTorch
on CUDA (synchronised; it skips without a GPU) in the same groups.

One group per (layer sizes, batch size, dtype); in each, the same weights and data for every
contender (``torch_reference/commands/contenders.py``), each with its library's defaults.
``pytest`` alone (and CI) runs each once as a smoke test (``--benchmark-disable`` in pyproject,
which also turns the warm-up on, so that rounds are not calibrated on a cold first call).

To time them as users run them, one contender per process (as ``manual-backprop bench`` does),
select one contender with ``-k`` in each pytest run::

    for c in manual manual_torch torch_module torch_functional sklearn floor_numpy floor_torch; do
        pytest benchmarks/test_cpu.py --benchmark-enable --benchmark-group-by=group \\
            --benchmark-columns=median,iqr,rounds -k "$c and not per_example" \\
            --benchmark-json="bench-$c.json"
    done

(``-k manual`` alone would also select ``manual_torch``: add ``and not manual_torch``.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from manual_backprop.checks.problems import make_problem
from torch_reference.commands.bench import BATCHES, SIZES
from torch_reference.commands.contenders import CPU_CONTENDERS, make_variant

CONTENDERS = [
    *CPU_CONTENDERS,
    "manual_per_example",
    pytest.param("torch_cuda", marks=pytest.mark.cuda),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("sizes", sorted(SIZES))
@pytest.mark.parametrize("contender", CONTENDERS)
def test_gradient_step(benchmark: Any, contender: str, sizes: str, batch: int, dtype: str) -> None:
    if contender == "manual_per_example" and batch * SIZES[sizes][1] > 256 * 1024:
        pytest.skip("per example at this size takes seconds a call; see the batched contenders")
    problem = make_problem(SIZES[sizes], batch, dtype=np.dtype(dtype), seed=0)
    benchmark.group = f"{sizes} B={batch} {dtype}"
    benchmark(make_variant(contender, problem))
