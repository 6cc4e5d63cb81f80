r"""The backward recursion, eqs. (13)-(16) and (24)/(25) (section 1.2), for any depth.

Batched row form: the derivation's column-vector recursion
:math:`\delta^l = h'(z^l) \odot (W^{l+1} \delta^{l+1})` (eq. 16), with :math:`\odot` the
elementwise (Hadamard) product, becomes for a batch of rows
:math:`\Delta^l = h'(Z^l) \odot (\Delta^{l+1} (W^{l+1})^\top)` (``h'(Z) * (Delta @ W.T)``), with
:math:`\Delta^l` of shape :math:`(B, n_l)`: row :math:`i` is example :math:`i`'s :math:`\delta^l`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from manual_backprop.activations import relu_grad
from manual_backprop.params import Params

__all__ = ["backward_deltas"]


def backward_deltas(
    params: Params,
    pre_activations: list[Any],
    output_delta: Any,
    relu_grad_at_zero: float,
    *,
    release: bool = False,
) -> Iterator[tuple[int, Any]]:
    """Apply eq. (16) from the output layer down to layer 1, yielding ``(l, Delta^l)``.

    Parameters
    ----------
    params : Params
        :math:`W^l` of shape :math:`(n_{l-1}, n_l)`.
    pre_activations : list of array of shape (B, n_l), l = 1 .. L
        ``Z^1 .. Z^L`` from the forward pass.
    output_delta : array of shape (B, n_L)
        ``Delta^L`` from the output head (eq. 23 or eq. 42/44).
    relu_grad_at_zero : float
        ``h'(0)``.
    release : bool
        Set ``pre_activations[l - 1]`` to None once ``Delta^l`` is computed, so that the caller
        holds :math:`Z^l` no longer than it is needed.

    Yields
    ------
    (int, array of shape (B, n_l))
        ``l`` and ``Delta^l = dJ/dZ^l``, for l = L, L-1, .., 1.
    """
    delta = output_delta
    yield len(params.weights), delta
    for l in range(len(params.weights) - 1, 0, -1):  # layers L-1 .. 1
        # eq. (16): h'(z^l) . W^(l+1) delta^(l+1), the product one row per example
        delta = relu_grad(pre_activations[l - 1], relu_grad_at_zero) * (delta @ params.weights[l].T)
        if release:
            pre_activations[l - 1] = None
        yield l, delta
