"""Moving arrays between NumPy and torch (or any array library), in one place."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from manual_backprop import Params

__all__ = ["to_numpy", "to_tensor"]


def to_tensor(array: Any, device: Any = "cpu") -> torch.Tensor:
    """A new torch tensor on ``device`` with ``array``'s values and dtype (never a view of it)."""
    return torch.from_numpy(np.array(array, copy=True)).to(device)


def to_numpy(value: Any) -> Any:
    """An array of any library, on any device (or a ``Params`` of them), as NumPy."""
    if isinstance(value, Params):
        return Params([to_numpy(w) for w in value.weights], [to_numpy(b) for b in value.biases])
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if hasattr(value, "get") and type(value).__module__.startswith("cupy"):
        return value.get()
    if type(value).__module__.startswith("array_api_strict"):  # any of its devices, to the CPU
        import array_api_strict

        value = value.to_device(array_api_strict.Device("CPU_DEVICE"))
    return np.asarray(value)
