"""Input checks shared by every public entry point: the contract's bad-input half.

Bad input gets a ``TypeError`` (wrong kind of thing) or ``ValueError`` (right kind, wrong value)
that names the argument and the value; nothing here mutates its inputs. The oracle in
:mod:`torch_reference` applies the same checks, so both sides follow one contract.

The checks come in three kinds, so that a call reads at most one value back from the device:

* structure (:func:`check_options`, :func:`check_inputs`, :func:`check_targets`): types, shapes,
  dtypes and libraries, from metadata alone, before any work;
* value verdicts computed on the device (:func:`targets_valid`, and in
  :mod:`manual_backprop.algorithm` the finiteness of J and the bias gradients): 0-d boolean
  arrays, read together with J in the call's one transfer;
* :func:`check_values`, the eager checks that name the culprit (which array holds a NaN, which
  label is out of range). They run when a verdict says something is wrong, and in :func:`forward`,
  which has no J to read.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from array_api_compat import device as array_device

from manual_backprop.namespace import namespace
from manual_backprop.params import Params

__all__ = [
    "DTYPES",
    "OUTPUTS",
    "REDUCTIONS",
    "check_inputs",
    "check_options",
    "check_params",
    "check_targets",
    "check_values",
    "checked_targets",
    "detached",
    "reduction_scale",
    "targets_from",
    "targets_valid",
]

#: Output heads: ``"softmax"`` is eqs. (33)/(34)/(44); ``"relu"`` is eqs. (8)/(17)-(23).
OUTPUTS = ("softmax", "relu")
#: ``"sum"`` is eq. (18); ``"mean"`` divides J and every gradient by the batch size B.
REDUCTIONS = ("sum", "mean")
#: The floating dtypes the tolerances are derived for (float16's 11-bit mantissa is not one).
DTYPES = ("float32", "float64")


def reduction_scale(reduction: str, batch_size: int) -> float:
    """The factor on J and every gradient: 1 for ``"sum"`` (eq. 18), ``1 / B`` for ``"mean"``."""
    return 1.0 / batch_size if reduction == "mean" else 1.0


def check_options(output: Any, reduction: Any, relu_grad_at_zero: Any) -> float:
    """Check the keyword options; return ``relu_grad_at_zero`` as a float."""
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if isinstance(relu_grad_at_zero, bool) or not isinstance(relu_grad_at_zero, numbers.Real):
        raise TypeError(
            f"relu_grad_at_zero must be a real number, got {type(relu_grad_at_zero).__name__} "
            f"{relu_grad_at_zero!r}"
        )
    value = float(relu_grad_at_zero)
    if not 0.0 <= value <= 1.0:
        # Any value in [0, 1] is a subgradient of max(0, x) at 0; others are not derivatives.
        raise ValueError(f"relu_grad_at_zero must lie in [0, 1] (a subgradient), got {value}")
    return value


def _namespace(name: str, array: Any) -> Any:
    if isinstance(array, np.matrix):  # stays 2-D under every reduction, and * is a product
        raise TypeError(f"{name} is a numpy.matrix, which is not supported: use np.asarray({name})")
    try:
        return namespace(array)
    except TypeError as exc:
        hint = f": use np.asarray({name})" if isinstance(array, (list, tuple)) else ""
        raise TypeError(
            f"{name} must be an array (NumPy or another array-API library), "
            f"got {type(array).__name__}{hint}"
        ) from exc


def _check_no_missing_bias(weights: list[Any], biases: list[Any]) -> None:
    """A bias of ``None`` (``nn.Linear(..., bias=False)``): say how to pass such a layer."""
    for l, (w, b) in enumerate(zip(weights, biases), start=1):
        if b is None:
            n = f"{w.shape[1]}" if getattr(w, "ndim", None) == 2 else f"n_{l}"
            raise TypeError(
                f"params.biases[{l - 1}] (b^{l}) is None: pass a layer without a bias "
                f"(nn.Linear(..., bias=False)) as zeros of shape ({n},) in W^{l}'s library, "
                f"dtype and device (np.zeros({n}, dtype=W.dtype), torch.zeros({n}, "
                f"dtype=W.dtype, device=W.device)), and leave its gradient out of the update"
            )


def _check_not_transposed(weights: list[Any], biases: list[Any]) -> None:
    """Weights in ``torch.nn.Linear``'s (out, in) layout: blame the weights, not the biases.

    Raised when every ``W^l`` has the shape ``(n_l, n_{l-1})``: the transposed weights chain,
    each bias has the length of its weight's first axis, and the derivation's layout does not
    fit (the weights do not chain as given, or a bias does not match ``W^l.shape[1]``). Square
    layers are the same either way, so weights transposed there cannot be told apart.
    """
    if not all(w.ndim == 2 and b.ndim == 1 for w, b in zip(weights, biases)):
        return
    transposed_fits = all(b.shape[0] == w.shape[0] for w, b in zip(weights, biases)) and all(
        weights[l].shape[1] == weights[l - 1].shape[0] for l in range(1, len(weights))
    )
    as_given_fits = all(b.shape[0] == w.shape[1] for w, b in zip(weights, biases)) and all(
        weights[l].shape[0] == weights[l - 1].shape[1] for l in range(1, len(weights))
    )
    if transposed_fits and not as_given_fits:
        shapes = ", ".join(f"W^{l} {tuple(w.shape)}" for l, w in enumerate(weights, start=1))
        raise ValueError(
            f"params.weights look transposed: each W^l has the shape (n_l, n_{{l-1}}) of "
            f"torch.nn.Linear.weight ({shapes}), but the layout here is (n_{{l-1}}, n_l): pass "
            f"lin.weight.T for each nn.Linear"
        )


def _named_params(params: Params) -> list[tuple[str, Any]]:
    named = [(f"params.weights[{i}]", w) for i, w in enumerate(params.weights)]
    return named + [(f"params.biases[{i}]", b) for i, b in enumerate(params.biases)]


def check_structure(params: Any) -> Any:
    """Check that ``params`` describes a chain of layers; return its array namespace.

    Raises
    ------
    TypeError
        Not a :class:`Params`, not arrays (a list or tuple: the message says ``np.asarray``; a
        bias of ``None``: it says how to pass a layer without a bias), arrays of different
        libraries, or a dtype that is not float32 or float64, or not shared.
    ValueError
        No layers, weights in ``torch.nn.Linear``'s (out, in) layout (every ``W^l`` of shape
        ``(n_l, n_{l-1})``: checked before the biases, so the weights are named), a weight that
        is not 2-D or has a zero dimension, weights that do not chain
        (``W^l.shape[0] != W^(l-1).shape[1]``), or a bias of the wrong length.
    """
    if not isinstance(params, Params):
        raise TypeError(f"params must be a manual_backprop.Params, got {type(params).__name__}")
    weights, biases = list(params.weights), list(params.biases)
    if len(weights) == 0:
        raise ValueError("params must have at least one layer, got no weights")
    if len(weights) != len(biases):
        raise ValueError(
            f"params must have one bias per weight, got {len(weights)} weights "
            f"and {len(biases)} biases"
        )
    xp = _namespace("params.weights[0]", weights[0])
    if any(type(array) is not type(weights[0]) for array in weights + biases):
        _check_no_missing_bias(weights, biases)
        for name, array in _named_params(params):  # named only when one differs
            if _namespace(name, array) is not xp:
                raise TypeError(
                    f"params arrays must all come from one array library: params.weights[0] "
                    f"is {type(weights[0]).__module__}, {name} is {type(array).__module__}"
                )
    dtype = weights[0].dtype
    if not (dtype == xp.float64 or dtype == xp.float32):
        raise TypeError(f"params.weights[0] must be float32 or float64, got {dtype}")
    _check_not_transposed(weights, biases)
    for l, (w, b) in enumerate(zip(weights, biases), start=1):
        if w.dtype != dtype or b.dtype != dtype:
            raise TypeError(
                f"params must share one dtype ({dtype}); params.weights[{l - 1}] is {w.dtype} "
                f"and params.biases[{l - 1}] is {b.dtype}"
            )
        if w.ndim != 2:
            raise ValueError(
                f"params.weights[{l - 1}] (W^{l}) must be 2-D (n_{l - 1}, n_{l}), "
                f"got shape {tuple(w.shape)}"
            )
        if w.shape[0] == 0 or w.shape[1] == 0:
            raise ValueError(f"params.weights[{l - 1}] (W^{l}) has an empty shape {tuple(w.shape)}")
        if l > 1 and w.shape[0] != weights[l - 2].shape[1]:
            raise ValueError(
                f"params.weights do not chain: W^{l} has {w.shape[0]} rows but W^{l - 1} has "
                f"{weights[l - 2].shape[1]} columns (expected W^{l} of shape "
                f"({weights[l - 2].shape[1]}, n_{l}))"
            )
        if tuple(b.shape) != (w.shape[1],):
            raise ValueError(
                f"params.biases[{l - 1}] (b^{l}) must have shape ({w.shape[1]},), "
                f"got {tuple(b.shape)}"
            )
    return xp


def check_inputs(params: Params, X: Any) -> Any:
    """Check the structure of ``params`` and of the batch ``X`` (B, n_0); return the namespace."""
    xp = check_structure(params)
    if _namespace("X", X) is not xp:
        raise TypeError(
            f"X must come from the same array library as params "
            f"({type(params.weights[0]).__module__}), got {type(X).__module__}"
        )
    n_0 = params.weights[0].shape[0]
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D of shape (B, {n_0}), got shape {tuple(X.shape)}")
    if X.shape[0] == 0:
        raise ValueError(f"X is an empty batch (shape {tuple(X.shape)}); B must be >= 1")
    if X.shape[1] != n_0:
        raise ValueError(
            f"X must have n_0 = {n_0} columns to match params.weights[0], "
            f"got shape {tuple(X.shape)}"
        )
    if X.dtype != params.dtype:
        hint = ""
        if not xp.isdtype(X.dtype, "real floating"):  # integer or bool pixels, features, counts
            hint = (
                f": convert it first, X.astype(np.{params.dtype})"
                if isinstance(X, np.ndarray)
                else f": convert it first, xp.astype(X, {params.dtype}) (xp: X's array namespace)"
            )
        raise TypeError(f"X must have the params' dtype {params.dtype}, got {X.dtype}{hint}")
    return xp


def detached(params: Params, X: Any, Y: Any = None) -> tuple[Params, Any, Any]:
    """The inputs without autograd history: torch tensors that require grad are detached.

    Parameters taken from a ``torch.nn.Module`` require grad. Used as they are, J and every
    gradient would record an autograd graph (memory held as long as the results, a ``grad_fn``
    on each) and reading J would warn. ``detach()`` is a view on the same memory and device, and
    the caller's tensors keep their ``requires_grad``. Every other array passes through as it is.
    """
    arrays = [*params.weights, *params.biases, X, Y]
    if not any(getattr(array, "requires_grad", False) for array in arrays):
        return params, X, Y
    plain = [a.detach() if getattr(a, "requires_grad", False) else a for a in arrays]
    n = len(params.weights)
    return Params(plain[:n], plain[n : 2 * n]), plain[-2], plain[-1]


def check_targets(Y: Any, X: Any, n_classes: int) -> None:
    """Check the structure of ``Y``: labels (B,) of an integer dtype, or targets (B, n_L)."""
    xp = namespace(X)
    batch_size = X.shape[0]
    if _namespace("Y", Y) is not xp:
        raise TypeError(
            f"Y must come from the same array library as X ({type(X).__module__}), "
            f"got {type(Y).__module__}"
        )
    integral = xp.isdtype(Y.dtype, "integral")
    if Y.ndim == 1:
        if not integral:
            raise TypeError(
                f"Y of shape (B,) holds class labels and must have an integer dtype, got {Y.dtype}"
            )
        if Y.shape[0] != batch_size:
            raise ValueError(f"Y must hold B = {batch_size} labels, got {Y.shape[0]}")
        return
    if Y.ndim == 2 and integral:
        hint = ""
        if Y.shape[1] == 1:
            hint = " (a column: use Y[:, 0])"
        elif Y.shape[1] == n_classes:
            hint = f" (one-hot targets of shape (B, n_L) must be floating: give Y in {X.dtype})"
        raise ValueError(
            f"Y of an integer dtype holds class labels and must have shape (B,) = "
            f"({batch_size},), got shape {tuple(Y.shape)}{hint}"
        )
    if Y.ndim == 2:
        if not xp.isdtype(Y.dtype, "real floating"):
            raise TypeError(
                f"Y of shape (B, n_L) holds float targets and must have a floating dtype, "
                f"got {Y.dtype}"
            )
        if tuple(Y.shape) != (batch_size, n_classes):
            raise ValueError(
                f"Y targets must have shape (B, n_L) = ({batch_size}, {n_classes}), "
                f"got {tuple(Y.shape)}"
            )
        return
    raise ValueError(
        f"Y must be labels of shape (B,) = ({batch_size},) or targets of shape (B, n_L) = "
        f"({batch_size}, {n_classes}), got shape {tuple(Y.shape)}"
    )


def targets_from(Y: Any, X: Any, n_classes: int) -> Any:
    """Turn labels or float targets into a new float array ``T`` of shape (B, n_L).

    Parameters
    ----------
    Y : array of shape (B,) with an integer dtype, or of shape (B, n_L) with a floating dtype
        Checked by :func:`check_targets`. Class labels in ``0 .. n_L - 1``, or non-negative
        finite target rows (one-hot or soft; rows need not sum to 1).
    X : array of shape (B, n_0)
        The checked input batch; ``T`` takes its library, device and dtype.
    n_classes : int
        n_L, the width of the output layer.

    Returns
    -------
    array of shape (B, n_L)
        The derivation's ``y`` for every example, in X's dtype on X's device: one-hot rows for
        labels (a label out of range gives a row of zeros; :func:`targets_valid` says so). Always
        a new array; ``Y`` is never modified.
    """
    xp = namespace(X)
    if Y.ndim == 1:
        classes = xp.arange(n_classes, device=array_device(X))
        return xp.astype(Y[:, None] == classes[None, :], X.dtype)
    return xp.astype(Y, X.dtype, copy=True)


def targets_valid(Y: Any, n_classes: int) -> Any:
    """A 0-d boolean array on Y's device: labels lie in ``range(n_L)``, targets are >= 0.

    Computed without reading anything back (a NaN target makes it False, and J NaN as well).
    """
    xp = namespace(Y)
    if Y.ndim == 1:
        return (xp.min(Y) >= 0) & (xp.max(Y) < n_classes)
    return xp.min(Y) >= 0


def _all_finite(xp: Any, arrays: list[Any]) -> Any:
    """A 0-d boolean array: no NaN or Inf in any of ``arrays`` (no arithmetic, so no overflow)."""
    verdict = xp.all(xp.isfinite(arrays[0]))
    for array in arrays[1:]:
        verdict = verdict & xp.all(xp.isfinite(array))
    return verdict


def _check_finite(xp: Any, named: list[tuple[str, Any]]) -> None:
    """Raise a ValueError naming the first array that holds a NaN or Inf (one transfer if none)."""
    if bool(_all_finite(xp, [array for _, array in named])):
        return
    for name, array in named:
        if not bool(xp.all(xp.isfinite(array))):
            raise ValueError(f"{name} must be finite, but it contains NaN or Inf")


def check_values(params: Params, X: Any, Y: Any = None) -> None:
    """Check the values of structurally checked inputs; raise naming the first bad one.

    NaN or Inf in a weight, a bias, X or float targets Y; labels out of ``0 .. n_L - 1``;
    negative targets. One host transfer when all is well; more to name the culprit.
    """
    xp = namespace(X)
    named = [*_named_params(params), ("X", X)]
    if Y is not None and not xp.isdtype(Y.dtype, "integral"):
        named.append(("Y", Y))
    _check_finite(xp, named)
    if Y is None:
        return
    n_classes = params.weights[-1].shape[1]
    if bool(targets_valid(Y, n_classes)):
        return
    if Y.ndim == 1:
        raise ValueError(
            f"Y labels must lie in 0 .. {n_classes - 1} (n_L = {n_classes} classes), "
            f"got values in {int(xp.min(Y))} .. {int(xp.max(Y))}"
        )
    raise ValueError(
        f"Y targets must be non-negative (one-hot or soft rows), got a minimum of "
        f"{float(xp.min(Y))}"
    )


def checked_targets(
    params: Params, X: Any, Y: Any, output: Any, reduction: Any, relu_grad_at_zero: Any = 0.5
) -> tuple[Any, float]:
    """Every check, eagerly, then the targets: for the oracles and other callers without a J.

    Returns ``(T, h'(0))`` with ``T`` of shape (B, n_L) from :func:`targets_from`. The entry points
    of :mod:`manual_backprop.algorithm` check the values on the device instead, in one read.
    """
    at_zero = check_options(output, reduction, relu_grad_at_zero)
    check_inputs(params, X)
    n_classes = params.weights[-1].shape[1]
    check_targets(Y, X, n_classes)
    check_values(params, X, Y)
    return targets_from(Y, X, n_classes), at_zero


def check_params(params: Any) -> Any:
    """Check that ``params`` is a chain of finite layers; return its array namespace."""
    xp = check_structure(params)
    _check_finite(xp, _named_params(params))
    return xp
