"""Shared fixtures: the device axis of every parity test.

Tests that need a GPU carry the ``cuda`` marker (directly or through the ``device`` fixture's
"cuda" parameter) and are skipped, with the reason, where ``torch.cuda.is_available()`` is False
(``tests/cuda_marker.py``).
"""

from __future__ import annotations

import pytest


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.cuda)])
def device(request: pytest.FixtureRequest) -> str:
    """The oracle's device: "cpu", and "cuda" where there is a GPU."""
    return str(request.param)
