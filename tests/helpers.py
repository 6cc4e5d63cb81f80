"""Assertions shared by the tests: one norm-wise comparison, used everywhere."""

from __future__ import annotations

from typing import Any

import numpy as np

from manual_backprop import Params
from manual_backprop.tolerances import normwise_error


def assert_close(actual: Any, expected: Any, rtol: float, what: str) -> None:
    """``max|actual - expected| <= rtol * max|expected|`` (see manual_backprop.tolerances)."""
    actual_np, expected_np = np.asarray(actual), np.asarray(expected)
    assert actual_np.shape == expected_np.shape, f"{what}: shape {actual_np.shape} != {expected_np.shape}"
    max_abs, max_rel = normwise_error(actual_np, expected_np)
    assert max_rel <= rtol, f"{what}: norm-wise relative error {max_rel:.3e} > rtol {rtol:.3e} (max abs {max_abs:.3e})"


def assert_params_close(actual: Params, expected: Params, rtol: float, what: str) -> None:
    """:func:`assert_close` for every ``dJ/dW^l`` and ``dJ/db^l``; dtypes must agree too."""
    assert len(actual.weights) == len(expected.weights)
    for l, (a, e) in enumerate(zip(actual.weights, expected.weights), start=1):
        assert a.dtype == e.dtype, f"{what} dJ/dW^{l}: dtype {a.dtype} != {e.dtype}"
        assert_close(a, e, rtol, f"{what} dJ/dW^{l}")
    for l, (a, e) in enumerate(zip(actual.biases, expected.biases), start=1):
        assert a.dtype == e.dtype, f"{what} dJ/db^{l}: dtype {a.dtype} != {e.dtype}"
        assert_close(a, e, rtol, f"{what} dJ/db^{l}")
