"""Save and load ``Params`` as ``.npz``: arrays ``W1 .. WL`` (n_{l-1}, n_l) and ``b1 .. bL``."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from manual_backprop.params import Params
from manual_backprop.validation import check_params

__all__ = ["load_params", "save_params"]


def save_params(path: str | os.PathLike[str], params: Params) -> None:
    """Write ``params`` (NumPy arrays, the derivation's layout) to ``path`` as ``.npz``."""
    check_params(params)
    arrays: dict[str, Any] = {}
    for l, (W, b) in enumerate(zip(params.weights, params.biases), start=1):
        arrays[f"W{l}"], arrays[f"b{l}"] = np.asarray(W), np.asarray(b)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def load_params(path: str | os.PathLike[str]) -> Params:
    """Read a file written by :func:`save_params`; the result is checked like any input."""
    with np.load(path, allow_pickle=False) as data:
        keys = set(data.files)
        n_layers = len([key for key in keys if key.startswith("W")])
        expected = {f"{kind}{l}" for l in range(1, n_layers + 1) for kind in "Wb"}
        if n_layers == 0 or keys != expected:
            raise ValueError(f"{os.fspath(path)!r} must hold W1..WL and b1..bL, got {sorted(keys)}")
        params = Params(
            [data[f"W{l}"] for l in range(1, n_layers + 1)],
            [data[f"b{l}"] for l in range(1, n_layers + 1)],
        )
    check_params(params)
    return params
