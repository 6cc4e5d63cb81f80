"""One gradient step's peak memory stays near the footprint of a textbook step.

That footprint is params + grads + every cached ``Z^l`` and ``A^l``, none freed early; the step
releases each layer's Z and A as soon as its gradients exist (``backward_deltas(release=True)``),
so its peak stays below 1.2 times that. Memory is deterministic, so its bound is a test (speed
never is).
"""

from __future__ import annotations

import numpy as np
import pytest

from torch_reference.commands.bench import peak_memory


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_one_gradient_step_peaks_within_1_2_times_the_textbook_footprint(dtype: type) -> None:
    memory = peak_memory((784, 1024, 512, 10), 2048, dtype)  # caches outweigh params here
    assert memory["ratio"] <= 1.2, memory
