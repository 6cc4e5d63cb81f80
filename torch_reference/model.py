"""The oracle network: a ``torch.nn`` stack of ``Linear`` and ``ReLU`` layers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from manual_backprop import Params
from torch_reference.layout import to_state_dict

__all__ = ["MLP", "Intermediates", "from_params"]


@dataclass
class Intermediates:
    """The tensors of one oracle forward pass, kept for comparison with the manual ones.

    ``pre_activations[l-1]`` is ``Z^l`` (``retain_grad`` is on, so after ``backward`` its
    ``.grad`` is ``Delta^l = dJ/dZ^l``); ``activations[0]`` is X and ``activations[l]`` is
    ``A^l``. Shapes (B, n_l).
    """

    pre_activations: list[torch.Tensor]
    activations: list[torch.Tensor]


class MLP(nn.Module):
    """``Linear`` and ``ReLU`` in turn, ``Linear`` last; ``forward`` returns the logits ``Z^L``.

    The output head (softmax or ReLU) belongs to the loss, in :mod:`torch_reference.oracle`.
    """

    def __init__(self, layer_sizes: Sequence[int], dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self.linears = nn.ModuleList(
            nn.Linear(n_in, n_out, dtype=dtype)
            for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])
        )
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_with_intermediates(x, retain=False).pre_activations[-1]

    def forward_with_intermediates(self, x: torch.Tensor, retain: bool = True) -> Intermediates:
        """Run the layers and keep every ``Z^l`` (with ``retain_grad``) and ``A^l``.

        The output layer's ``A^L`` is left to the loss; here ``activations`` ends at
        ``A^(L-1)``.
        """
        pre_activations: list[torch.Tensor] = []
        activations: list[torch.Tensor] = [x]
        for l, linear in enumerate(self.linears, start=1):
            z = linear(activations[-1])
            if retain and z.requires_grad:
                z.retain_grad()
            pre_activations.append(z)
            if l < len(self.linears):
                activations.append(self.relu(z))
        return Intermediates(pre_activations=pre_activations, activations=activations)


def from_params(params: Params, device: Any = "cpu") -> MLP:
    """Build an :class:`MLP` holding a copy of ``params`` (converted to Linear's layout)."""
    dtype = getattr(torch, str(params.dtype))
    model = MLP(params.layer_sizes, dtype=dtype).to(device)
    model.load_state_dict(to_state_dict(params, device))
    return model
