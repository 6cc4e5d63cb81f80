"""The one place that converts between the derivation's layout and ``torch.nn.Linear``'s.

The derivation's ``W^l`` has shape (n_in, n_out) (entry ``w_mn``: m in layer l-1, n in layer l);
``torch.nn.Linear.weight`` has shape (out, in). So ``Linear.weight = W^l.T``. Biases agree.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from manual_backprop import Params
from torch_reference.convert import to_numpy, to_tensor

__all__ = ["from_state_dict", "linear_weight", "to_state_dict", "weight_from_linear"]


def linear_weight(weight: np.ndarray, device: Any = "cpu") -> torch.Tensor:
    """``W^l`` of shape (n_in, n_out) as a ``Linear.weight`` of shape (n_out, n_in)."""
    return to_tensor(np.ascontiguousarray(np.asarray(weight).T), device)


def weight_from_linear(weight: torch.Tensor) -> np.ndarray:
    """A ``Linear.weight`` (or its gradient) of shape (n_out, n_in) as ``W^l``, (n_in, n_out)."""
    return np.ascontiguousarray(to_numpy(weight).T)


def to_state_dict(params: Params, device: Any = "cpu") -> dict[str, torch.Tensor]:
    """``Params`` as the state_dict of :class:`torch_reference.model.MLP` (new tensors)."""
    state: dict[str, torch.Tensor] = {}
    for i, (W, b) in enumerate(zip(params.weights, params.biases)):
        state[f"linears.{i}.weight"] = linear_weight(np.asarray(W), device)
        state[f"linears.{i}.bias"] = to_tensor(b, device)
    return state


def from_state_dict(state: dict[str, torch.Tensor]) -> Params:
    """The inverse of :func:`to_state_dict`: NumPy ``Params`` in the derivation's layout."""
    n_layers = sum(1 for key in state if key.endswith(".weight"))
    return Params(
        weights=[weight_from_linear(state[f"linears.{i}.weight"]) for i in range(n_layers)],
        biases=[to_numpy(state[f"linears.{i}.bias"]).copy() for i in range(n_layers)],
    )
