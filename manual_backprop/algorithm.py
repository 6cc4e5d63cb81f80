"""Section 1.5, the algorithm: J and its gradients, batched and one example at a time.

Both entry points run the same steps through the same functions:

1. the forward pass, eqs. (3)-(8) (:func:`manual_backprop.forward.forward_pass`);
2. the output delta, eq. (23) or (42)/(44) (:mod:`manual_backprop.heads`), then eq. (16) down
   the layers (:func:`manual_backprop.backward.backward_deltas`);
3. each layer's gradients, eqs. (26)-(31), as soon as its delta exists
   (:func:`manual_backprop.gradients.layer_gradients`);
4. the sum over the examples of the batch.

:func:`gradients` runs steps 1-3 once on the whole batch, B rows at a time, where the sum of
step 4 is inside the matrix products; :func:`gradients_per_example` runs them on one example at
a time and adds the results up. With ``reduction="sum"`` (eq. 18) J is the sum over examples;
``"mean"`` divides J and every gradient by B, like PyTorch's default.

Each call reads one value back from the array's device: J, as a float. The checks of the values
(NaN or Inf, labels out of range, an infinite ReLU-head loss) are computed on the device and
folded into that one read; only when one fails does :func:`_explain` look further, to raise an
error that names the culprit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from manual_backprop.backward import backward_deltas
from manual_backprop.forward import ForwardPass, forward_pass
from manual_backprop.gradients import layer_gradients
from manual_backprop.heads import check_relu_loss_finite, loss, output_delta
from manual_backprop.namespace import floating_point_warnings_off, namespace
from manual_backprop.params import Params
from manual_backprop.validation import (
    check_inputs,
    check_options,
    check_targets,
    check_values,
    detached,
    reduction_scale,
    targets_from,
    targets_valid,
)

__all__ = ["backpropagate", "deltas", "gradients", "gradients_per_example"]


def _forward_and_output_delta(
    params: Params, X: Any, targets: Any, output: str, relu_grad_at_zero: float, scale: float
) -> tuple[Any, ForwardPass, Any]:
    """Step 1 and the start of step 2: J (0-d), the forward pass and ``Delta^L``.

    J is NaN when a pre-activation is not finite. A NaN or Inf in X, a weight or a bias shows
    in every ``Z^l`` it feeds, but a ReLU turns ``-inf`` into 0 (eq. 1) and ``h'(-inf)`` is 0, so
    J and the gradients alone could hide it; ``0 * sum(Z^l)`` is 0 for finite sums and NaN
    otherwise, so J carries it (one read of each ``Z^l``, no copy, no host transfer).
    """
    passed = forward_pass(params, X, output)  # step 1: eqs. (3)-(8)
    Z_L, A_L = passed.pre_activations[-1], passed.activations[-1]
    xp = namespace(Z_L)
    pre_activation_sums = [xp.sum(Z) for Z in passed.pre_activations]
    J = scale * loss(Z_L, A_L, targets, output)  # eq. (18)
    J = J + 0.0 * sum(pre_activation_sums)  # NaN if a pre-activation is not finite, else J
    delta_L = scale * output_delta(Z_L, A_L, targets, output, relu_grad_at_zero)  # (23), (42)
    return J, passed, delta_L


def backpropagate(
    params: Params,
    X: Any,
    targets: Any,
    *,
    output: str = "softmax",
    relu_grad_at_zero: float = 0.5,
    scale: float = 1.0,
) -> tuple[Any, Params]:
    """Steps 1-3 of section 1.5 for all rows of X at once: the equations alone.

    No checks and no host transfer (so it can be captured in a CUDA graph): the inputs must
    already be valid, as :func:`gradients` makes sure.

    Parameters
    ----------
    params : Params
        :math:`W^l` of shape :math:`(n_{l-1}, n_l)`, :math:`b^l` of shape :math:`(n_l,)`.
    X : array of shape (B, n_0)
    targets : array of shape (B, n_L)
        ``y`` for every example, in X's dtype (:func:`manual_backprop.validation.targets_from`).
    output : {"softmax", "relu"}
    relu_grad_at_zero : float
        ``h'(0)``.
    scale : float
        1 for eq. (18)'s sum, ``1 / B`` for the mean.

    Returns
    -------
    J : 0-d array
    grads : Params
        :math:`dJ/dW^l` :math:`(n_{l-1}, n_l)` and :math:`dJ/db^l` :math:`(n_l,)`, summed over the
        rows of X.
    """
    J, passed, delta_L = _forward_and_output_delta(
        params, X, targets, output, relu_grad_at_zero, scale
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


def _prepare(
    params: Params, X: Any, Y: Any, output: Any, reduction: Any, relu_grad_at_zero: Any
) -> tuple[Params, Any, Any, Any, Any, float, float]:
    """The structure checks; return params, X and Y without autograd history
    (:func:`~manual_backprop.validation.detached`), the targets (B, n_L), their verdict, h'(0)
    and J's scale."""
    at_zero = check_options(output, reduction, relu_grad_at_zero)
    check_inputs(params, X)
    n_classes = params.weights[-1].shape[1]
    check_targets(Y, X, n_classes)
    params, X, Y = detached(params, X, Y)
    targets = targets_from(Y, X, n_classes)
    valid, scale = targets_valid(Y, n_classes), reduction_scale(reduction, X.shape[0])
    return params, X, Y, targets, valid, at_zero, scale


def _explain(params: Params, X: Any, Y: Any, output: str) -> None:
    """Name why J or a delta came out non-finite, or the targets invalid, with a clear error."""
    check_values(params, X, Y)  # NaN or Inf in an input, labels out of range, negative targets
    if output == "relu":
        A_L = forward_pass(params, X, output).activations[-1]
        check_relu_loss_finite(A_L, targets_from(Y, X, A_L.shape[1]))
    raise ValueError(
        "J, a gradient or a sum of pre-activations is NaN or Inf although every input is finite "
        "and valid: the pass overflowed (inputs or weights too large for the dtype)"
    )


def _read_loss(J: Any, sums_of: Sequence[Any], valid: Any, explain: Any) -> float:
    """J as a float: the call's one device-to-host transfer, with every verdict folded in.

    A NaN or Inf anywhere in a delta reaches its column sum, and so ``J + sum(sums_of)``; a
    failed verdict or a non-finite total turns J into NaN on the device, and then ``explain()``
    raises the error that names the cause.
    """
    xp = namespace(J)
    total = J
    for array in sums_of:
        total = total + xp.sum(array)
    value = float(xp.where(valid & xp.isfinite(total), J, math.nan))  # the one transfer
    if math.isnan(value):
        explain()
    return value


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
        :math:`W^l` of shape :math:`(n_{l-1}, n_l)`, :math:`b^l` of shape :math:`(n_l,)`,
        l = 1 .. L; any depth L >= 1.
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
        ``grads.weights[l-1]`` = :math:`dJ/dW^l`, shape :math:`(n_{l-1}, n_l)`;
        ``grads.biases[l-1]`` = :math:`dJ/db^l`, shape :math:`(n_l,)`; same library, device and
        dtype as ``params``.

    Raises
    ------
    TypeError, ValueError
        For bad input (see :mod:`manual_backprop.validation`), or an infinite J with the ReLU head.
    """
    params, X, Y, targets, valid, at_zero, scale = _prepare(
        params, X, Y, output, reduction, relu_grad_at_zero
    )
    with floating_point_warnings_off(namespace(X)):  # the verdicts say what went wrong
        J, grads = backpropagate(
            params, X, targets, output=output, relu_grad_at_zero=at_zero, scale=scale
        )
        J_float = _read_loss(J, grads.biases, valid, lambda: _explain(params, X, Y, output))
    return J_float, grads


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
    them to running sums (step 4) until the batch is done. Each example is a batch of one row, so
    this runs exactly the equations :func:`gradients` runs.
    """
    params, X, Y, targets, valid, at_zero, scale = _prepare(
        params, X, Y, output, reduction, relu_grad_at_zero
    )
    with floating_point_warnings_off(namespace(X)):  # the verdicts say what went wrong
        J_total, totals = None, None
        for i in range(X.shape[0]):  # steps 1-3 for example i
            J, example = backpropagate(
                params, X[i : i + 1, :], targets[i : i + 1, :],
                output=output, relu_grad_at_zero=at_zero, scale=scale,
            )  # fmt: skip
            if totals is None:
                J_total, totals = J, example
                continue
            J_total = J_total + J  # step 4: the sum over the examples of the batch
            totals = Params(
                weights=[t + g for t, g in zip(totals.weights, example.weights)],
                biases=[t + g for t, g in zip(totals.biases, example.biases)],
            )
        assert totals is not None  # B >= 1 is checked
        J_float = _read_loss(J_total, totals.biases, valid, lambda: _explain(params, X, Y, output))
    return J_float, totals


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
    row i of ``Delta^l`` is the derivation's ``delta^l`` for example i.
    """
    params, X, Y, targets, valid, at_zero, scale = _prepare(
        params, X, Y, output, reduction, relu_grad_at_zero
    )
    with floating_point_warnings_off(namespace(X)):  # the verdicts say what went wrong
        J, passed, delta_L = _forward_and_output_delta(params, X, targets, output, at_zero, scale)
        found = dict(backward_deltas(params, passed.pre_activations, delta_L, at_zero))
        result = [found[l] for l in range(1, len(params.weights) + 1)]
        _read_loss(J, result, valid, lambda: _explain(params, X, Y, output))
    return result
