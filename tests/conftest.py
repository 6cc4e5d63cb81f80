"""Shared fixtures: the device and the oracle axes of every parity test.

Tests that need a GPU carry the ``cuda`` marker (directly or through the "cuda" parameters
below) and are skipped, with the reason, where ``torch.cuda.is_available()`` is False
(``tests/cuda_marker.py``). The ``jax.grad`` oracle skips, with the reason, where jax is not
installed.
"""

from __future__ import annotations

import pytest


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.cuda)])
def device(request: pytest.FixtureRequest) -> str:
    """The oracle's device: "cpu", and "cuda" where there is a GPU."""
    return str(request.param)


@pytest.fixture(
    params=[
        pytest.param(("autograd", "cpu"), id="autograd-cpu"),
        pytest.param(("autograd", "cuda"), id="autograd-cuda", marks=pytest.mark.cuda),
        pytest.param(("jax.grad", "cpu"), id="jax.grad"),
    ]
)
def oracle(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(oracle, device): torch autograd on each device, and jax.grad (CPU) beside it."""
    name, device = request.param
    if name == "jax.grad":
        pytest.importorskip("jax", reason="jax is not installed: pip install '.[test]'")
    return str(name), str(device)
