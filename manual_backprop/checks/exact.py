"""The exact oracle: J, every ``Z^l``, ``A^l``, ``dJ/dZ^l`` and every gradient at 60 digits.

The float oracles (autograd, ``jax.grad``, central differences) are floating-point programs too:
agreeing with them within a tolerance says nothing of how large the code's error really is. This
oracle computes the same quantities in mpmath (which SymPy brings) with 60 significant digits,
from the same inputs converted exactly (every float32 and float64 is a dyadic rational, which
mpmath holds without rounding), so the code's error against it is its true error to within
1e-50 or so. :mod:`manual_backprop.checks.symbolic` proves that the derivation's equations are
the derivatives; this module does not restate them. It writes J as the forward pass defines it,
eqs. (3)-(8), (34) and (18)/(19)/(33), from primitive operations, and differentiates it by
reverse mode, with each primitive's own rule (a matrix product, a sum, ``exp``, ``log``,
``max(0, x)``), as autograd does: the backward equations of the derivation appear nowhere here.

Exact rationals were tried first for the ReLU head, whose gradients are rational: the quotients
``-y / a`` give each example its own odd denominator, and the sums over a batch of 32 multiply
them into numbers of tens of thousands of bits, minutes per problem. mpmath at 60 digits is
checked against 80 digits in ``tests/test_symbolic.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np

from manual_backprop.checks.traces import Trace
from manual_backprop.params import Params

__all__ = ["DIGITS", "ExactTrace", "exact_difference", "exact_trace", "to_float"]

#: Significant digits of every exact value; float64 has 16.
DIGITS = 60

Array = np.ndarray  # of mpmath.mpf, dtype object


@dataclass
class _Node:
    """One value of the computation, its adjoint dJ/d(value), and how to pass it on."""

    value: Array
    parents: list[tuple[_Node, Callable[[Array], Array]]] = field(default_factory=list)
    grad: Any = None
    needs_grad: bool = True


class _Tape:
    """Reverse mode: nodes in the order they were made, adjoints in the reverse order."""

    def __init__(self) -> None:
        self.nodes: list[_Node] = []

    def node(self, value: Array, *parents: tuple[_Node, Callable[[Array], Array]]) -> _Node:
        """A value computed from ``parents`` (none: a leaf whose gradient is wanted)."""
        wanted = [(parent, vjp) for parent, vjp in parents if parent.needs_grad]
        made = _Node(value, wanted, needs_grad=bool(wanted) or not parents)
        self.nodes.append(made)
        return made

    def constant(self, value: Array) -> _Node:
        """A leaf whose gradient nobody needs (the input X): no work is spent on it."""
        return _Node(value, needs_grad=False)

    def backward(self, root: _Node) -> None:
        root.grad = np.ones_like(root.value)
        for node in reversed(self.nodes):
            if node.grad is None:
                continue
            for parent, vjp in node.parents:
                contribution = vjp(node.grad)
                parent.grad = contribution if parent.grad is None else parent.grad + contribution


_exp = np.vectorize(mpmath.exp, otypes=[object])
_log = np.vectorize(mpmath.log, otypes=[object])


def _mp(array: Any) -> Array:
    """A float array as mpmath numbers, exactly (no rounding: every float is dyadic)."""
    values = np.asarray(array)
    return np.vectorize(lambda v: mpmath.mpf(float(v)), otypes=[object])(values).reshape(
        values.shape
    )


# --- Primitives, each with its own derivative --------------------------------------------------


def _matmul(tape: _Tape, A: _Node, B: _Node) -> _Node:
    return tape.node(A.value @ B.value, (A, lambda G: G @ B.value.T), (B, lambda G: A.value.T @ G))


def _add_row(tape: _Tape, Z: _Node, row: _Node) -> _Node:
    """``Z + row`` with the row broadcast over the rows of Z."""
    return tape.node(Z.value + row.value, (Z, lambda G: G), (row, lambda G: G.sum(axis=0)))


def _max0(tape: _Tape, Z: _Node, at_zero: Any) -> _Node:
    """``max(0, z)``: slope 1 above 0, 0 below, ``at_zero`` at 0 (a subgradient)."""
    positive = Z.value > 0
    slope = np.where(positive, 1, np.where(Z.value == 0, at_zero, 0))
    return tape.node(np.where(positive, Z.value, 0), (Z, lambda G: G * slope))


def _exp_node(tape: _Tape, Z: _Node) -> _Node:
    value = _exp(Z.value)
    return tape.node(value, (Z, lambda G: G * value))


def _log_node(tape: _Tape, Z: _Node, where: Array | None = None) -> _Node:
    """``log z``, or where ``where`` is False, 0 (the ``y ln a`` terms with ``y = 0``)."""
    mask = np.ones(Z.value.shape, dtype=bool) if where is None else where
    safe = np.where(mask, Z.value, 1)
    return tape.node(np.where(mask, _log(safe), 0), (Z, lambda G: np.where(mask, G / safe, 0)))


def _row_sum(tape: _Tape, Z: _Node) -> _Node:
    width = Z.value.shape[1]
    return tape.node(Z.value.sum(axis=1, keepdims=True), (Z, lambda G: np.repeat(G, width, axis=1)))


def _sub_column(tape: _Tape, Z: _Node, column: _Node) -> _Node:
    """``Z - column``, the column broadcast over the columns of Z."""
    return tape.node(
        Z.value - column.value, (Z, lambda G: G), (column, lambda G: -G.sum(axis=1, keepdims=True))
    )


def _weighted_total(tape: _Tape, Z: _Node, weights: Array, factor: Any) -> _Node:
    """``factor * sum(weights * Z)``, a 0-d result."""
    value = np.array(factor * (weights * Z.value).sum(), dtype=object)
    return tape.node(value, (Z, lambda G: G * factor * weights))


# --- The oracle ---------------------------------------------------------------------------------


#: The exact oracle's record: the one :class:`~manual_backprop.checks.traces.Trace` of every
#: oracle, with arrays of mpmath numbers.
ExactTrace = Trace


def exact_trace(
    params: Params,
    X: np.ndarray,
    targets: np.ndarray,
    *,
    output: str = "softmax",
    reduction: str = "sum",
    relu_grad_at_zero: float = 0.0,
    digits: int = DIGITS,
) -> ExactTrace:
    """J and its derivatives at ``digits`` significant digits, from the forward definition.

    Parameters
    ----------
    params : Params of NumPy arrays, ``W^l`` (n_{l-1}, n_l) and ``b^l`` (n_l,)
    X : array of shape (B, n_0)
    targets : array of shape (B, n_L)
        The float targets ``y`` (one-hot rows for labels), as
        :func:`manual_backprop.validation.targets_from` makes them.
    output : {"softmax", "relu"}
    reduction : {"sum", "mean"}
        Eq. (18)'s sum, or the mean: J and everything after it divided by B, exactly.
    relu_grad_at_zero : float
        The subgradient of ``max(0, z)`` at an exact 0.
    """
    with mpmath.workdps(digits):
        tape = _Tape()
        weights = [tape.node(_mp(W)) for W in params.weights]
        biases = [tape.node(_mp(b)) for b in params.biases]
        Y = _mp(targets)
        A = tape.constant(_mp(X))
        at_zero = mpmath.mpf(relu_grad_at_zero)
        pre_activations, activations = [], [A]
        n_layers = len(weights)
        for l, (W, b) in enumerate(zip(weights, biases), start=1):
            Z = _add_row(tape, _matmul(tape, A, W), b)  # (3), (5), (7)
            pre_activations.append(Z)
            if l < n_layers or output == "relu":
                A = _max0(tape, Z, at_zero)  # (1), (4), (6), (8)
                activations.append(A)
        if output == "softmax":  # (34), and its logarithm for (33)
            log_a = _sub_column(tape, Z, _log_node(tape, _row_sum(tape, _exp_node(tape, Z))))
            activations.append(tape.node(_exp(log_a.value)))
        else:  # (19): terms with y = 0 are 0, also where a = 0
            log_a = _log_node(tape, A, where=Y > 0)
        factor = -mpmath.mpf(1) / (X.shape[0] if reduction == "mean" else 1)
        J = _weighted_total(tape, log_a, Y, factor)  # (18), (19), (33)
        tape.backward(J)
        return ExactTrace(
            loss=J.value[()],
            grads=Params([W.grad for W in weights], [b.grad for b in biases]),
            pre_activations=[Z.value for Z in pre_activations],
            activations=[a.value for a in activations],
            deltas=[Z.grad for Z in pre_activations],
        )


def to_float(values: Any) -> np.ndarray:
    """mpmath numbers as float64 (rounded once)."""
    return np.vectorize(float, otypes=[np.float64])(np.asarray(values, dtype=object))


def exact_difference(actual: Any, exact: Any) -> np.ndarray:
    """``actual - exact`` at full precision, then rounded once to float64.

    ``actual`` is the code's float32 or float64 result, converted exactly; the difference is the
    code's true error, not an error of the reference.
    """
    with mpmath.workdps(DIGITS):
        difference = _mp(actual) - np.asarray(exact, dtype=object)
        return to_float(difference)
