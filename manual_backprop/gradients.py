r"""The parameter gradients, eqs. (9)-(12) and (26)-(31) (sections 1.2 and 1.4).

For one example, :math:`\partial J / \partial w^l_{mn} = \delta^l_n a^{l-1}_m` (eq. 11), i.e. the
outer product :math:`\partial J / \partial W^l = a^{l-1} (\delta^l)^\top` (eqs. 26-28), and
:math:`\partial J / \partial b^l = \delta^l` (eqs. 12, 29-31). For a batch of rows, eq. (18) sums
J over the examples, so the gradients are the per-example ones summed:
:math:`(A^{l-1})^\top \Delta^l` (``A.T @ Delta``) and the column sums of :math:`\Delta^l`.
"""

from __future__ import annotations

from typing import Any

from array_api_compat import device as array_device

from manual_backprop.namespace import namespace
from manual_backprop.params import Params

__all__ = ["layer_gradients", "parameter_gradients"]


def layer_gradients(previous_activation: Any, delta: Any) -> tuple[Any, Any]:
    """Eqs. (26)-(31) for one layer: ``dJ/dW^l`` (n_{l-1}, n_l) and ``dJ/db^l`` (n_l,).

    Parameters
    ----------
    previous_activation : array of shape (B, n_{l-1})
        :math:`A^{l-1}` (``X`` for l = 1).
    delta : array of shape (B, n_l)
        ``Delta^l``.

    Returns
    -------
    (array of shape (n_{l-1}, n_l), array of shape (n_l,))
        The gradients summed over the B examples. For one example (B = 1) they are computed as
        written, the outer product and delta itself (``docs/performance.md`` says why).
    """
    xp = namespace(delta)
    if delta.shape[0] > 1:  # a batch: the per-example gradients summed over its rows
        weight_grad = previous_activation.T @ delta  # eqs. (26)-(28), summed over the batch
        ones = xp.ones(delta.shape[0], dtype=delta.dtype, device=array_device(delta))
        bias_grad = ones @ delta  # eqs. (29)-(31): dJ/db^l = delta^l, summed over the batch
        return weight_grad, bias_grad
    if hasattr(xp, "einsum"):  # one example: eqs. (26)-(31) literally
        weight_grad = xp.einsum("bi,bj->ij", previous_activation, delta)  # eqs. (26)-(28)
    else:
        weight_grad = previous_activation.T * delta  # eqs. (26)-(28): a^(l-1) (delta^l)^T
    bias_grad = delta[0, :]  # eqs. (29)-(31): dJ/db^l = delta^l
    return weight_grad, bias_grad


def parameter_gradients(activations: list[Any], deltas: list[Any]) -> Params:
    """Eqs. (26)-(31) for every layer, from kept activations and deltas.

    Parameters
    ----------
    activations : list of array of shape (B, n_l), l = 0 .. L
        ``A^0 = X, A^1, ...`` (only ``A^0 .. A^(L-1)`` are used).
    deltas : list of array of shape (B, n_l), l = 1 .. L

    Returns
    -------
    Params
        ``weights[l-1]`` = :math:`dJ/dW^l` of shape :math:`(n_{l-1}, n_l)`; ``biases[l-1]`` =
        :math:`dJ/db^l` of shape :math:`(n_l,)`.
    """
    pairs = [layer_gradients(activations[l - 1], deltas[l - 1]) for l in range(1, len(deltas) + 1)]
    return Params(weights=[w for w, _ in pairs], biases=[b for _, b in pairs])
