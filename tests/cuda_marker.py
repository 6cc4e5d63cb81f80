"""pytest plugin (loaded for tests/ and benchmarks/ through ``-p`` in pyproject.toml): tests
marked ``cuda`` skip, with the reason, where ``torch.cuda.is_available()`` is False."""

from __future__ import annotations

import pytest
import torch

CUDA_SKIP_REASON = "needs a CUDA GPU: torch.cuda.is_available() is False on this machine"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason=CUDA_SKIP_REASON)
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)
