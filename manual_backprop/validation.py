"""Input checks shared by every public entry point.

Bad input gets a ``TypeError`` (wrong kind of thing) or ``ValueError`` (right kind, wrong value)
that names the argument and what was expected; nothing here mutates its inputs. The oracle in
:mod:`torch_reference` applies the same checks, so both sides follow one contract.
"""

from __future__ import annotations

import numbers
from typing import Any

from array_api_compat import device as array_device

from manual_backprop.namespace import namespace
from manual_backprop.params import Params

__all__ = [
    "OUTPUTS",
    "REDUCTIONS",
    "check_inputs",
    "check_options",
    "check_params",
    "targets_from",
]

#: Output heads: ``"softmax"`` is eqs. (33)/(34)/(44); ``"relu"`` is eqs. (8)/(17)-(23).
OUTPUTS = ("softmax", "relu")
#: ``"sum"`` is eq. (18); ``"mean"`` divides J and every gradient by the batch size B.
REDUCTIONS = ("sum", "mean")


def check_options(output: Any, reduction: Any, relu_grad_at_zero: Any) -> float:
    """Check the keyword options; return ``relu_grad_at_zero`` as a float."""
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if isinstance(relu_grad_at_zero, bool) or not isinstance(relu_grad_at_zero, numbers.Real):
        raise TypeError(
            f"relu_grad_at_zero must be a real number, got {type(relu_grad_at_zero).__name__}"
        )
    value = float(relu_grad_at_zero)
    if not 0.0 <= value <= 1.0:
        # Any value in [0, 1] is a subgradient of max(0, x) at 0; others are not derivatives.
        raise ValueError(f"relu_grad_at_zero must lie in [0, 1] (a subgradient), got {value}")
    return value


def _namespace(name: str, array: Any) -> Any:
    try:
        return namespace(array)
    except TypeError as exc:
        raise TypeError(
            f"{name} must be an array (NumPy or another array-API library), "
            f"got {type(array).__name__}"
        ) from exc


def _check_finite(xp: Any, named_arrays: list[tuple[str, Any]]) -> None:
    """Raise a ValueError naming the first array that holds a NaN or Inf.

    One BLAS pass per array (multithreaded, no temporary) and one host sync for all of them: a
    NaN or Inf anywhere makes a sum of squares NaN or Inf. Finite values too large to square
    (|x| > 1e154 in float64) also overflow it, so only then are the exact elementwise tests run.
    """
    total = None
    for _, array in named_arrays:
        flat = array if array.ndim == 1 else xp.reshape(array, (-1,))
        total = flat @ flat if total is None else total + flat @ flat
    if bool(xp.isfinite(total)):
        return
    for name, array in named_arrays:
        if not bool(xp.all(xp.isfinite(array))):
            raise ValueError(f"{name} must be finite, but it contains NaN or Inf")


def _named_params(params: Params) -> list[tuple[str, Any]]:
    named = [(f"params.weights[{i}]", w) for i, w in enumerate(params.weights)]
    return named + [(f"params.biases[{i}]", b) for i, b in enumerate(params.biases)]


def check_params(params: Any) -> Any:
    """Check that ``params`` describes a chain of finite layers; return its array namespace.

    Raises
    ------
    TypeError, ValueError
        As :func:`_check_structure`, or for NaN/Inf.
    """
    xp = _check_structure(params)
    _check_finite(xp, _named_params(params))
    return xp


def _check_structure(params: Any) -> Any:
    """Check that ``params`` describes a chain of layers; return its array namespace.

    Raises
    ------
    TypeError
        Not a :class:`Params`, arrays of different libraries, or a non-floating or mixed dtype.
    ValueError
        No layers, a weight that is not 2-D, weights that do not chain
        (``W^l.shape[0] != W^(l-1).shape[1]``), a bias of the wrong length, or NaN/Inf.
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
    for name, array in [(f"params.weights[{i}]", w) for i, w in enumerate(weights)] + [
        (f"params.biases[{i}]", b) for i, b in enumerate(biases)
    ]:
        _namespace(name, array)
    xp = namespace(weights[0])
    if any(namespace(array) is not xp for array in weights + biases):
        libraries = sorted({type(array).__module__ for array in weights + biases})
        raise TypeError(f"params arrays must all come from one array library, got {libraries}")
    dtype = weights[0].dtype
    if not xp.isdtype(dtype, "real floating"):
        raise TypeError(f"params.weights[0] must have a real floating dtype, got {dtype}")
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
    """Check ``params`` and the input batch ``X`` of shape (B, n_0); return the namespace."""
    xp = _check_structure(params)
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
        raise TypeError(f"X must have the params' dtype {params.dtype}, got {X.dtype}")
    _check_finite(xp, [*_named_params(params), ("X", X)])
    return xp


def targets_from(Y: Any, X: Any, n_classes: int) -> Any:
    """Turn labels or float targets into a new float array ``T`` of shape (B, n_L).

    Parameters
    ----------
    X : array of shape (B, n_0)
        The checked input batch; ``T`` takes its library, device, dtype and B.
    n_classes : int
        n_L, the width of the output layer.
    Y : array of shape (B,) with an integer dtype, or of shape (B, n_L) with a floating dtype
        Class labels in ``0 .. n_L - 1``, or non-negative finite target rows (one-hot or soft;
        rows need not sum to 1).

    Returns
    -------
    array of shape (B, n_L)
        The derivation's ``y`` for every example, in X's dtype on X's device: one-hot rows for
        labels. Always a new array; ``Y`` is never modified.
    """
    xp = namespace(X)
    batch_size, dtype = X.shape[0], X.dtype
    if _namespace("Y", Y) is not xp:
        raise TypeError(
            f"Y must come from the same array library as X ({type(X).__module__}), "
            f"got {type(Y).__module__}"
        )
    if Y.ndim == 1:
        if not xp.isdtype(Y.dtype, "integral"):
            raise TypeError(
                f"Y of shape (B,) holds class labels and must have an integer dtype, got {Y.dtype}"
            )
        if Y.shape[0] != batch_size:
            raise ValueError(f"Y must hold B = {batch_size} labels, got {Y.shape[0]}")
        low, high = int(xp.min(Y)), int(xp.max(Y))
        if low < 0 or high >= n_classes:
            raise ValueError(
                f"Y labels must lie in 0 .. {n_classes - 1} (n_L = {n_classes} classes), "
                f"got values in {low} .. {high}"
            )
        classes = xp.arange(n_classes, device=array_device(X))
        return xp.astype(Y[:, None] == classes[None, :], dtype)
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
        _check_finite(xp, [("Y", Y)])
        if bool(xp.any(Y < 0)):
            raise ValueError("Y targets must be non-negative (one-hot or soft rows)")
        return xp.astype(Y, dtype, copy=True)
    raise ValueError(
        f"Y must be labels of shape (B,) = ({batch_size},) or targets of shape (B, n_L) = "
        f"({batch_size}, {n_classes}), got shape {tuple(Y.shape)}"
    )
