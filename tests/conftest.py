"""Shared fixtures: the device axis of every parity test.

Tests that need a GPU carry the ``cuda`` marker (directly or through the ``device`` fixture's
"cuda" parameter) and are skipped, with the reason, where ``torch.cuda.is_available()`` is False.
"""

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


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.cuda)])
def device(request: pytest.FixtureRequest) -> str:
    """The oracle's device: "cpu", and "cuda" where there is a GPU."""
    return str(request.param)
