r"""The forward pass, eqs. (3)-(8) (section 1.1), generalised to any depth L.

Batched row form: the derivation's column vector :math:`z^l` for one example becomes row
:math:`i` of :math:`Z^l`, so :math:`z^l_n = \sum_m w^l_{mn} a^{l-1}_m + b^l_n` for all examples at
once is :math:`Z^l = A^{l-1} W^l + b^l` (``A[l-1] @ W[l] + b[l]``), with :math:`A^{l-1}` of shape
:math:`(B, n_{l-1})` and :math:`W^l` of shape :math:`(n_{l-1}, n_l)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from manual_backprop.activations import relu
from manual_backprop.heads import output_activation
from manual_backprop.params import Params
from manual_backprop.validation import check_inputs, check_options, check_values, detached

__all__ = ["ForwardPass", "forward", "forward_pass"]


@dataclass(frozen=True)
class ForwardPass:
    """Every pre-activation and activation of one forward pass.

    Attributes
    ----------
    pre_activations : list of array of shape (B, n_l), l = 1 .. L
        ``pre_activations[l - 1]`` is :math:`Z^l` (the derivation's ``z^(l)``).
    activations : list of array of shape (B, n_l), l = 0 .. L
        ``activations[0]`` is the input ``X`` (the derivation's 0th layer) and
        ``activations[l]`` is ``A^l = h(Z^l)``; the last one is the output head's ``a^(L)``.
    """

    pre_activations: list[Any]
    activations: list[Any]


def forward_pass(params: Params, X: Any, output: str) -> ForwardPass:
    """Eqs. (3)-(8) on checked inputs, with no check and no host transfer; see :func:`forward`."""
    pre_activations: list[Any] = []
    activations: list[Any] = [X]  # layer 0 is the input
    n_layers = len(params.weights)
    for l, (W, b) in enumerate(zip(params.weights, params.biases), start=1):
        Z = activations[-1] @ W  # eqs. (3), (5), (7): z_n^l = sum_m w_mn^l a_m^(l-1) ...
        Z += b  # ... + b_n^l, into the new product; a JAX array is rebound (performance.md)
        if l < n_layers:
            A = relu(Z)  # eqs. (4), (6): a^l = h(z^l)
        else:
            A = output_activation(Z, output)  # eq. (8) or (34): the output head's activation
        pre_activations.append(Z)
        activations.append(A)
    return ForwardPass(pre_activations=pre_activations, activations=activations)


def forward(params: Params, X: Any, *, output: str = "softmax") -> ForwardPass:
    """Run the forward pass, eqs. (3)-(8), and keep every ``Z^l`` and ``A^l``.

    Parameters
    ----------
    params : Params
        :math:`W^l` of shape :math:`(n_{l-1}, n_l)` and :math:`b^l` of shape :math:`(n_l,)`.
    X : array of shape (B, n_0)
        One example per row, in the params' dtype.
    output : {"softmax", "relu"}
        The output activation: softmax, eq. (34), or ReLU, eq. (8).

    Returns
    -------
    ForwardPass
        ``pre_activations`` ``Z^1 .. Z^L`` and ``activations`` ``A^0 = X, A^1 .. A^L``, each of
        shape (B, n_l).

    Raises
    ------
    TypeError, ValueError
        For bad input, NaN or Inf included (see :mod:`manual_backprop.validation`).
    """
    check_options(output, "sum", 0.5)
    check_inputs(params, X)
    params, X, _ = detached(params, X)  # torch tensors that require grad: no autograd graph
    check_values(params, X)  # one host transfer for all the NaN/Inf checks
    return forward_pass(params, X, output)
