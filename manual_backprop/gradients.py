"""The public entry points: J and its gradients, batched and per example (section 1.5).

Both paths run the same three steps of section 1.5 through the same functions:

1. the forward pass, eqs. (3)-(8) (:func:`manual_backprop.forward.forward_pass`);
2. the output delta, eq. (23) or (42)/(44), then eq. (16) down the layers
   (:mod:`manual_backprop.heads`, :func:`manual_backprop.backward.backward_deltas`);
3. the gradients, eqs. (26)-(31) (:func:`manual_backprop.backward.layer_gradients`), each
   layer's as soon as its delta exists.

:func:`gradients` runs them once on the whole batch (B rows at a time);
:func:`gradients_per_example` runs them on one example at a time and adds the results up, as
step 4 of section 1.5 describes. With ``reduction="sum"`` (eq. 18) J is the sum over examples;
``"mean"`` divides J and every gradient by B, like PyTorch's default.
"""

from __future__ import annotations

from typing import Any

from array_api_compat import device as array_device

from manual_backprop.backward import backward_deltas, layer_gradients
from manual_backprop.forward import ForwardPass, forward_pass
from manual_backprop.heads import check_relu_loss_finite, loss, output_delta
from manual_backprop.namespace import namespace
from manual_backprop.params import Params
from manual_backprop.validation import check_inputs, check_options, targets_from

__all__ = ["deltas", "gradients", "gradients_per_example"]


def _prepare(
    params: Params, X: Any, Y: Any, output: Any, reduction: Any, relu_grad_at_zero: Any
) -> tuple[Any, float, float]:
    """Check everything; return the targets T of shape (B, n_L), h'(0) and the J scale."""
    at_zero = check_options(output, reduction, relu_grad_at_zero)
    check_inputs(params, X)
    targets = targets_from(Y, X, params.weights[-1].shape[1])
    scale = 1.0 / X.shape[0] if reduction == "mean" else 1.0
    return targets, at_zero, scale


def _forward_and_output_delta(
    params: Params,
    X: Any,
    targets: Any,
    output: str,
    relu_grad_at_zero: float,
    scale: float,
    first_example: int = 0,
) -> tuple[Any, ForwardPass, Any]:
    """Step 1 of section 1.5 and the start of step 2: J, the forward pass and ``Delta^L``."""
    passed = forward_pass(params, X, output)  # step 1: eqs. (3)-(8)
    Z_L, A_L = passed.pre_activations[-1], passed.activations[-1]
    if output == "relu":
        check_relu_loss_finite(A_L, targets, first_example)
    J = loss(Z_L, A_L, targets, output)  # eq. (18)
    delta_L = output_delta(Z_L, A_L, targets, output, relu_grad_at_zero)  # eq. (23) or (42)/(44)
    if scale != 1.0:
        J, delta_L = J * scale, delta_L * scale  # reduction="mean": J/B, so every dJ/d. is /B
    return J, passed, delta_L


def _batch_gradients(
    params: Params,
    X: Any,
    targets: Any,
    output: str,
    relu_grad_at_zero: float,
    scale: float,
    first_example: int = 0,
) -> tuple[Any, Params]:
    """Steps 1-3 of section 1.5 on checked inputs, for all rows of X at once."""
    J, passed, delta_L = _forward_and_output_delta(
        params, X, targets, output, relu_grad_at_zero, scale, first_example
    )
    n_layers = len(params.weights)
    weight_grads: list[Any] = [None] * n_layers
    bias_grads: list[Any] = [None] * n_layers
    activations = passed.activations
    for l, delta in backward_deltas(  # step 2: eq. (16), one layer at a time
        params, passed.pre_activations, delta_L, relu_grad_at_zero, release=True
    ):
        weight_grads[l - 1], bias_grads[l - 1] = layer_gradients(activations[l - 1], delta)  # 3
        activations[l - 1] = None  # A^(l-1) is no longer needed: free it
    return J, Params(weights=weight_grads, biases=bias_grads)


def gradients(
    params: Params,
    X: Any,
    Y: Any,
    *,
    output: str = "softmax",
    reduction: str = "sum",
    relu_grad_at_zero: float = 0.5,
) -> tuple[float, Params]:
    """Compute the loss J and ``dJ/dW^l``, ``dJ/db^l`` for every layer, batched.

    Parameters
    ----------
    params : Params
        ``W^l`` of shape (n_{l-1}, n_l), ``b^l`` of shape (n_l,), l = 1 .. L; any depth L >= 1.
    X : array of shape (B, n_0)
        The batch, one example per row, in the params' dtype, library and device.
    Y : array of shape (B,) with an integer dtype, or of shape (B, n_L) with a floating dtype
        Class labels in ``0 .. n_L - 1``, or non-negative target rows (one-hot or soft; with the
        softmax head, rows that do not sum to 1 follow eq. 42).
    output : {"softmax", "relu"}
        Output head: softmax with ``delta = a - y`` (eqs. 34, 42, 44) or ReLU (eqs. 8, 23).
    reduction : {"sum", "mean"}
        ``"sum"`` is eq. (18); ``"mean"`` divides J and all gradients by B (PyTorch's default).
    relu_grad_at_zero : float in [0, 1]
        ``h'(0)``. The default 1/2 is eq. (2)/(32), ``(sign(x) + 1) / 2``; PyTorch uses 0.

    Returns
    -------
    J : float
        The cross-entropy loss.
    grads : Params
        ``grads.weights[l-1]`` = ``dJ/dW^l``, shape (n_{l-1}, n_l); ``grads.biases[l-1]`` =
        ``dJ/db^l``, shape (n_l,); same library, device and dtype as ``params``.

    Raises
    ------
    TypeError, ValueError
        For bad input (see :mod:`manual_backprop.validation`), or an infinite J with the ReLU head.
    """
    targets, at_zero, scale = _prepare(params, X, Y, output, reduction, relu_grad_at_zero)
    J, grads = _batch_gradients(params, X, targets, output, at_zero, scale)
    return float(J), grads


def gradients_per_example(
    params: Params,
    X: Any,
    Y: Any,
    *,
    output: str = "softmax",
    reduction: str = "sum",
    relu_grad_at_zero: float = 0.5,
) -> tuple[float, Params]:
    """Same contract and result as :func:`gradients`, by the algorithm of section 1.5.

    One example at a time: forward pass (step 1), deltas (step 2), gradients (step 3), then add
    them into running sums in place (step 4) until the batch is done. Each example is a batch of
    one row, so this runs exactly the equations :func:`gradients` runs.
    """
    targets, at_zero, scale = _prepare(params, X, Y, output, reduction, relu_grad_at_zero)
    xp = namespace(X)
    J_total = xp.zeros((), dtype=X.dtype, device=array_device(X))
    grads = Params(
        weights=[xp.zeros_like(W) for W in params.weights],
        biases=[xp.zeros_like(b) for b in params.biases],
    )
    for i in range(X.shape[0]):
        J, example_grads = _batch_gradients(
            params, X[i : i + 1, :], targets[i : i + 1, :], output, at_zero, scale, first_example=i
        )
        J_total += J  # step 4: accumulate over the examples of the batch
        for total, example in zip(
            grads.weights + grads.biases, example_grads.weights + example_grads.biases
        ):
            total += example
    return float(J_total), grads


def deltas(
    params: Params,
    X: Any,
    Y: Any,
    *,
    output: str = "softmax",
    reduction: str = "sum",
    relu_grad_at_zero: float = 0.5,
) -> list[Any]:
    """Every ``Delta^l = dJ/dZ^l`` of the backward pass, for checking eqs. (16)-(25), (42), (44).

    Same arguments as :func:`gradients`. Returns a list of arrays of shape (B, n_l), l = 1 .. L;
    row b of ``Delta^l`` is the derivation's ``delta^l`` for example b.
    """
    targets, at_zero, scale = _prepare(params, X, Y, output, reduction, relu_grad_at_zero)
    _, passed, delta_L = _forward_and_output_delta(params, X, targets, output, at_zero, scale)
    found = dict(backward_deltas(params, passed.pre_activations, delta_L, at_zero))
    return [found[l] for l in range(1, len(params.weights) + 1)]
