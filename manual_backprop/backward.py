"""The backward pass: the recursion (16) and the gradients (26)-(31), for any depth.

Batched row form: the derivation's column-vector recursion
``delta^l = h'(z^l) . W^(l+1) delta^(l+1)`` (eqs. 16, 24, 25), with ``.`` the elementwise
(Hadamard) product, becomes for a batch of rows ``Delta^l = h'(Z^l) * (Delta^(l+1) @ W^(l+1).T)``
with ``Delta^l`` of shape (B, n_l). The per-example outer product ``dJ/dW^l = a^(l-1) (delta^l)^T``
(eqs. 26-28) summed over the batch becomes ``A^(l-1).T @ Delta^l``, and ``dJ/db^l = delta^l``
(eqs. 29-31) summed over the batch becomes the column sums of ``Delta^l``.

Speed (each line below is one optimisation; the equations are unchanged):

* ``h'(Z) * G`` is applied in place on the fresh product G (:func:`relu_backward`), so no
  ``h'(Z)`` array is ever built.
* :func:`backward_deltas` yields each delta as soon as it exists, so that the caller can form
  that layer's gradients at once and, with ``release=True``, drop ``Z^l`` and ``A^(l-1)`` as soon
  as they are no longer needed: the peak memory stays near params + grads + the cached Z and A.
* One example (B = 1) takes the outer product of eqs. (26)-(28) literally, not as a matrix
  product with inner length 1, which BLAS runs through a slow path: by ``einsum`` where the library
  has one (NumPy's broadcasting ``a.T * delta`` writes at a third of its ``einsum`` speed), else
  by broadcasting.
* The bias gradient's sum over the batch is a matrix-vector product with ones, which BLAS runs
  faster than a column sum; for one example it is delta itself (eqs. 29-31), with no product.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from array_api_compat import device as array_device

from manual_backprop.activations import relu_backward
from manual_backprop.namespace import namespace
from manual_backprop.params import Params

__all__ = ["backward_deltas", "layer_gradients", "parameter_gradients"]


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
        ``W^l`` of shape (n_{l-1}, n_l).
    pre_activations : list of array of shape (B, n_l), l = 1 .. L
        ``Z^1 .. Z^L`` from the forward pass.
    output_delta : array of shape (B, n_L)
        ``Delta^L`` from the output head (eq. 23 or eq. 42/44).
    relu_grad_at_zero : float
        ``h'(0)``.
    release : bool
        Set ``pre_activations[l - 1]`` to None once ``Delta^l`` is computed, freeing ``Z^l``.

    Yields
    ------
    (int, array of shape (B, n_l))
        ``l`` and ``Delta^l = dJ/dZ^l``, for l = L, L-1, .., 1.
    """
    delta = output_delta
    yield len(params.weights), delta
    for l in range(len(params.weights) - 1, 0, -1):  # layers L-1 .. 1
        upstream = delta @ params.weights[l].T  # eq. (16): W^(l+1) delta^(l+1), one row each
        delta = relu_backward(upstream, pre_activations[l - 1], relu_grad_at_zero)  # eq. (16)
        if release:
            pre_activations[l - 1] = None
        yield l, delta


def layer_gradients(previous_activation: Any, delta: Any) -> tuple[Any, Any]:
    """Eqs. (26)-(31) for one layer: ``dJ/dW^l`` (n_{l-1}, n_l) and ``dJ/db^l`` (n_l,).

    Parameters
    ----------
    previous_activation : array of shape (B, n_{l-1})
        ``A^(l-1)`` (``X`` for l = 1).
    delta : array of shape (B, n_l)
        ``Delta^l``.
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
        ``weights[l-1]`` = ``dJ/dW^l`` of shape (n_{l-1}, n_l); ``biases[l-1]`` = ``dJ/db^l`` of
        shape (n_l,).
    """
    pairs = [layer_gradients(activations[l - 1], deltas[l - 1]) for l in range(1, len(deltas) + 1)]
    return Params(weights=[w for w, _ in pairs], biases=[b for _, b in pairs])
