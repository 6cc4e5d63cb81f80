"""The backward pass: the recursion (16) and the gradients (26)-(31), for any depth.

Batched row form: the derivation's column-vector recursion
``delta^l = h'(z^l) . W^(l+1) delta^(l+1)`` (eqs. 16, 24, 25), with ``.`` the elementwise
(Hadamard) product, becomes for a batch of rows ``Delta^l = h'(Z^l) * (Delta^(l+1) @ W^(l+1).T)``
with ``Delta^l`` of shape (B, n_l). The per-example outer product ``dJ/dW^l = a^(l-1) (delta^l)^T``
(eqs. 26-28) summed over the batch becomes ``A^(l-1).T @ Delta^l``, and ``dJ/db^l = delta^l``
(eqs. 29-31) summed over the batch becomes the column sums of ``Delta^l``.
"""

from __future__ import annotations

from typing import Any

from array_api_compat import array_namespace

from manual_backprop.activations import relu_grad
from manual_backprop.params import Params

__all__ = ["backward_deltas", "parameter_gradients"]


def backward_deltas(
    params: Params, pre_activations: list[Any], output_delta: Any, relu_grad_at_zero: float
) -> list[Any]:
    """Apply eq. (16) from the output layer down to layer 1.

    Parameters
    ----------
    params : Params
        ``W^l`` of shape (n_{l-1}, n_l).
    pre_activations : list of array of shape (B, n_l), l = 1 .. L
        ``Z^1 .. Z^L`` from the forward pass.
    output_delta : array of shape (B, n_L)
        ``Delta^L`` from the output head (eq. 23 or eq. 42/44).
    relu_grad_at_zero : float
        ``h'(0)``.

    Returns
    -------
    list of array of shape (B, n_l), l = 1 .. L
        ``deltas[l - 1]`` is ``Delta^l = dJ/dZ^l``.
    """
    n_layers = len(params.weights)
    deltas: list[Any] = [None] * n_layers
    deltas[-1] = output_delta
    for l in range(n_layers - 1, 0, -1):  # layers L-1 .. 1; deltas[l] is Delta^(l+1)
        h_prime = relu_grad(pre_activations[l - 1], relu_grad_at_zero)
        deltas[l - 1] = h_prime * (deltas[l] @ params.weights[l].T)  # eqs. (16), (24), (25)
    return deltas


def parameter_gradients(activations: list[Any], deltas: list[Any]) -> Params:
    """Eqs. (26)-(31): ``dJ/dW^l`` and ``dJ/db^l``, summed over the batch.

    Parameters
    ----------
    activations : list of array of shape (B, n_l), l = 0 .. L
        ``A^0 = X, A^1, ...`` (only ``A^0 .. A^(L-1)`` are used).
    deltas : list of array of shape (B, n_l), l = 1 .. L

    Returns
    -------
    Params
        ``weights[l-1]`` = ``dJ/dW^l`` of shape (n_{l-1}, n_l); ``biases[l-1]`` = ``dJ/db^l`` of
        shape (n_l,).
    """
    xp = array_namespace(*deltas)
    weight_grads = [
        activations[l - 1].T @ deltas[l - 1]  # eqs. (26)-(28): sum_b a^(l-1) (delta^l)^T
        for l in range(1, len(deltas) + 1)
    ]
    bias_grads = [xp.sum(delta, axis=0) for delta in deltas]  # eqs. (29)-(31): sum_b delta^l
    return Params(weights=weight_grads, biases=bias_grads)
