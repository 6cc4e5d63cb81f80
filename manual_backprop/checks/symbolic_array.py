"""An array library of SymPy expressions, so that the shipping equations run on symbols.

:class:`SymbolicArray` holds one SymPy expression per entry (a NumPy object array underneath)
and has ``__array_namespace__``: :func:`manual_backprop.namespace.namespace` hands the equations
this module as their namespace, as it hands them ``array_api_compat.numpy`` for a NumPy array, and
the code runs unmodified. :mod:`manual_backprop.checks.code_proof` uses it to prove the code that
ships, not a transcription of its equations.

The namespace is exactly what README.md lists under "What a library must support" (with
``isdtype`` and the dtypes the input checks name): ``matmul`` (``@``), ``maximum``, ``where``,
``astype``, ``sign``, ``exp``, ``log``, ``sum``, ``max``, ``min``, ``any``, ``all``,
``isfinite``, ``reshape``, ``argmax``, ``zeros``, ``ones``, ``arange`` with ``device=``,
``einsum`` (the one form the code uses, ``"bi,bj->ij"``), and ``float()`` of a 0-d array.

Exact arithmetic:

* a Python float becomes the exact rational it is (``0.5`` is 1/2, ``1.0`` is 1), never a
  SymPy ``Float``;
* every comparison the code makes (``maximum``, ``sign``, ``where``'s condition, ``>``, ``==``,
  ``isfinite``, ``any``, ``all``, ``bool()``) is decided, not guessed: a number decides itself;
  any other expression takes its sign from the hypotheses in force (:func:`deciding`: the ReLU
  activation pattern, each hidden unit of each example strictly positive, strictly negative or
  exactly 0, and the signs of the targets), else from SymPy's assumptions on the symbols; a
  comparison none of these decides raises :class:`UndecidedError`, so a proof never rests on a
  guess;
* ``max`` of entries that are not all numbers is an opaque real symbol (:data:`SHIFT`): the
  stable log-sum-exp's shift, any real value. A result proved equal to the derivative with the
  shift free does not depend on it;
* ``exp`` and ``log`` keep one normal form (:func:`exp_normal`, :func:`log_normal`): ``exp`` of a
  sum is a product of :class:`~manual_backprop.checks.symbolic.Exp` atoms, one for the part free
  of the shift, one per shift; ``log`` of a product pulls out its exponential factors. Both are
  identities for real arguments, which is what lets the shift cancel in the expressions
  themselves.

``isfinite`` is True for an entry with no ``oo``, ``zoo`` or ``nan`` in it: every input symbol is
a finite real, and a division by an exact 0 or the log of 0 shows as one of those. ``float()`` of
an entry that is a number gives that number; of any other expression it gives 0.0 (NaN if the
entry is not finite): the code reads J back once as a float, and that read is not what a proof
compares (J is compared as the 0-d array :func:`~manual_backprop.algorithm.backpropagate`
returns).
"""

from __future__ import annotations

import builtins
import contextlib
import contextvars
import math
import sys
import types
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import sympy as sp

from manual_backprop.checks.symbolic import Exp

__all__ = [
    "SHIFT",
    "DType",
    "SymbolicArray",
    "UndecidedError",
    "all",
    "any",
    "arange",
    "argmax",
    "array",
    "astype",
    "bool",
    "deciding",
    "einsum",
    "exp",
    "exp_normal",
    "float32",
    "float64",
    "int8",
    "int64",
    "isdtype",
    "isfinite",
    "log",
    "log_normal",
    "matmul",
    "max",
    "maximum",
    "min",
    "ones",
    "reshape",
    "sign",
    "sum",
    "where",
    "zeros",
]

#: The prefix of the opaque symbols ``max`` returns (``shift_0``, ``shift_1``, ...).
SHIFT = "shift"
DEVICE = "symbolic"


class DType:
    """A dtype of the symbolic library: a name and a kind, compared by identity."""

    def __init__(self, name: str, kind: str) -> None:
        self.name, self.kind = name, kind

    def __repr__(self) -> str:
        return f"symbolic.{self.name}"


float64 = DType("float64", "real floating")
float32 = DType("float32", "real floating")
int64 = DType("int64", "signed integer")
int8 = DType("int8", "signed integer")
bool = DType("bool", "bool")


class UndecidedError(ValueError):
    """A comparison that neither the numbers, the hypotheses nor SymPy's assumptions decide."""


_SIGNS: contextvars.ContextVar[Mapping[Any, int]] = contextvars.ContextVar(
    "signs", default=types.MappingProxyType({})
)
_SHIFTS: contextvars.ContextVar[list[Any]] = contextvars.ContextVar("shifts")


@contextlib.contextmanager
def deciding(signs: Mapping[Any, int]) -> Iterator[list[Any]]:
    """Decide comparisons by ``signs``: ``{expression: -1, 0 or 1}``, keys in expanded form.

    Yields the list of the opaque shifts ``max`` makes inside the block.
    """
    shifts: list[Any] = []
    token, shift_token = _SIGNS.set(dict(signs)), _SHIFTS.set(shifts)
    try:
        yield shifts
    finally:
        _SIGNS.reset(token)
        _SHIFTS.reset(shift_token)


def _exact(value: Any) -> Any:
    """A Python or NumPy scalar as an exact SymPy number; SymPy expressions as they are."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, (builtins.bool, np.bool_)):
        return sp.true if value else sp.false
    if isinstance(value, (int, np.integer)):
        return sp.Integer(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return sp.nan
        if math.isinf(value):
            return sp.oo if value > 0 else -sp.oo
        return sp.Rational(float(value))  # the exact binary rational the float is
    raise TypeError(f"no exact symbolic value for {type(value).__name__} {value!r}")


def sign_of(expr: Any) -> int:
    """The sign of ``expr``: -1, 0 or 1, decided exactly (or :class:`UndecidedError`)."""
    expr = sp.sympify(expr)
    if isinstance(expr, (sp.Min, sp.Max)):
        each = [sign_of(arg) for arg in expr.args]
        return builtins.min(each) if isinstance(expr, sp.Min) else builtins.max(each)
    key = expr if expr.is_Number else sp.expand(expr)
    if key.is_Number:
        return int(builtins.bool(key > 0)) - int(builtins.bool(key < 0))
    signs = _SIGNS.get()
    if key in signs:
        return signs[key]
    if -key in signs:
        return -signs[-key]
    for known, answer in ((key.is_positive, 1), (key.is_negative, -1), (key.is_zero, 0)):
        if known:
            return answer
    raise UndecidedError(f"the sign of {expr} is not decided by the activation pattern")


def _decide(left: Any, right: Any, relation: str) -> builtins.bool:
    sign = sign_of(left - right)
    return {">": sign > 0, ">=": sign >= 0, "<": sign < 0, "<=": sign <= 0, "==": sign == 0,
            "!=": sign != 0}[relation]  # fmt: skip


class SymbolicArray:
    """An array of SymPy expressions with the array API's operators; see the module docstring.

    Parameters
    ----------
    data : numpy.ndarray of dtype object
        The entries, SymPy expressions (or SymPy booleans for dtype ``bool``).
    dtype : DType
    """

    __slots__ = ("_data", "dtype")

    def __init__(self, data: np.ndarray, dtype: DType) -> None:
        self._data = data
        self.dtype = dtype

    def __array_namespace__(self, api_version: str | None = None) -> Any:
        return sys.modules[__name__]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._data.shape)

    @property
    def ndim(self) -> int:
        return int(self._data.ndim)

    @property
    def device(self) -> str:
        return DEVICE

    @property
    def T(self) -> SymbolicArray:  # noqa: N802 (the standard's name)
        return SymbolicArray(self._data.T, self.dtype)

    @property
    def entries(self) -> np.ndarray:
        """The entries as a NumPy object array (a copy)."""
        return self._data.copy()

    def __repr__(self) -> str:
        return f"SymbolicArray({self._data.tolist()!r}, {self.dtype!r})"

    def __getitem__(self, key: Any) -> SymbolicArray:
        return SymbolicArray(np.asarray(self._data[key], dtype=object), self.dtype)

    # arithmetic ---------------------------------------------------------------------------
    def _binary(self, other: Any, operation: Any, reflected: builtins.bool = False) -> Any:
        if isinstance(other, SymbolicArray):
            dtype = float64 if float64 in (self.dtype, other.dtype) else self.dtype
            other_data = other._data
        else:
            other_data = _exact(other)
            dtype = float64 if isinstance(other, float) else self.dtype
        left, right = (other_data, self._data) if reflected else (self._data, other_data)
        return SymbolicArray(np.asarray(operation(left, right), dtype=object), dtype)

    def __add__(self, other: Any) -> SymbolicArray:
        return self._binary(other, np.add)

    def __radd__(self, other: Any) -> SymbolicArray:
        return self._binary(other, np.add, True)

    def __sub__(self, other: Any) -> SymbolicArray:
        return self._binary(other, np.subtract)

    def __rsub__(self, other: Any) -> SymbolicArray:
        return self._binary(other, np.subtract, True)

    def __mul__(self, other: Any) -> SymbolicArray:
        return self._binary(other, np.multiply)

    def __rmul__(self, other: Any) -> SymbolicArray:
        return self._binary(other, np.multiply, True)

    def __truediv__(self, other: Any) -> SymbolicArray:
        return self._binary(other, np.true_divide)

    def __rtruediv__(self, other: Any) -> SymbolicArray:
        return self._binary(other, np.true_divide, True)

    def __matmul__(self, other: SymbolicArray) -> SymbolicArray:
        return matmul(self, other)

    def __neg__(self) -> SymbolicArray:
        return SymbolicArray(np.asarray(-self._data, dtype=object), self.dtype)

    # comparisons, decided ---------------------------------------------------------------
    def _compare(self, other: Any, relation: str) -> SymbolicArray:
        right = other._data if isinstance(other, SymbolicArray) else _exact(other)
        decide = np.frompyfunc(lambda a, b: _decide(a, b, relation), 2, 1)
        return SymbolicArray(np.asarray(decide(self._data, right), dtype=object), bool)

    def __gt__(self, other: Any) -> SymbolicArray:
        return self._compare(other, ">")

    def __ge__(self, other: Any) -> SymbolicArray:
        return self._compare(other, ">=")

    def __lt__(self, other: Any) -> SymbolicArray:
        return self._compare(other, "<")

    def __le__(self, other: Any) -> SymbolicArray:
        return self._compare(other, "<=")

    def __eq__(self, other: Any) -> SymbolicArray:  # type: ignore[override]
        return self._compare(other, "==")

    def __ne__(self, other: Any) -> SymbolicArray:  # type: ignore[override]
        return self._compare(other, "!=")

    __hash__ = None  # type: ignore[assignment]

    def __and__(self, other: SymbolicArray) -> SymbolicArray:
        return SymbolicArray(np.asarray(self._data & other._data, dtype=object), bool)

    def __or__(self, other: SymbolicArray) -> SymbolicArray:
        return SymbolicArray(np.asarray(self._data | other._data, dtype=object), bool)

    # reading back ---------------------------------------------------------------------------
    def _scalar(self) -> Any:
        if self._data.size != 1:
            raise TypeError(f"only a 0-d or one-entry array converts, got shape {self.shape}")
        return self._data.item()

    def __bool__(self) -> builtins.bool:
        value = self._scalar()
        return builtins.bool(value) if isinstance(value, builtins.bool) else sign_of(value) != 0

    def __float__(self) -> float:
        value = sp.sympify(self._scalar())
        if value.is_Number:
            return float(value)
        return 0.0 if _finite(value) else math.nan

    def __int__(self) -> int:
        return int(sp.sympify(self._scalar()))


def array(values: Any, dtype: DType = float64) -> SymbolicArray:
    """A :class:`SymbolicArray` of ``values`` (nested lists, NumPy arrays, expressions), each
    entry exact: a float becomes its exact rational."""
    data = np.asarray(values, dtype=object)
    converted = np.frompyfunc(_exact, 1, 1)(data) if data.size else data
    return SymbolicArray(np.asarray(converted, dtype=object), dtype)


def _map(function: Any, x: SymbolicArray, dtype: DType | None = None) -> SymbolicArray:
    mapped = np.frompyfunc(function, 1, 1)(x._data)
    return SymbolicArray(np.asarray(mapped, dtype=object), dtype or x.dtype)


def _finite(value: Any) -> builtins.bool:
    expr = sp.sympify(value)
    return not expr.has(sp.oo, -sp.oo, sp.zoo, sp.nan)


def _entries(x: Any) -> Any:
    return x._data if isinstance(x, SymbolicArray) else _exact(x)


# --- creation ------------------------------------------------------------------------------


def zeros(shape: Any, *, dtype: DType = float64, device: Any = None) -> SymbolicArray:
    return SymbolicArray(np.full(shape, sp.Integer(0), dtype=object), dtype)


def ones(shape: Any, *, dtype: DType = float64, device: Any = None) -> SymbolicArray:
    return SymbolicArray(np.full(shape, sp.Integer(1), dtype=object), dtype)


def arange(stop: int, *, dtype: DType = int64, device: Any = None) -> SymbolicArray:
    return array(list(range(stop)), dtype)


# --- dtypes -----------------------------------------------------------------------------------


def isdtype(dtype: DType, kind: str) -> builtins.bool:
    kinds = {"integral": ("signed integer",), "real floating": ("real floating",),
             "bool": ("bool",), "numeric": ("signed integer", "real floating")}  # fmt: skip
    return dtype.kind in kinds.get(kind, (kind,))


def astype(x: SymbolicArray, dtype: DType, /, *, copy: builtins.bool = True) -> SymbolicArray:
    if x.dtype is bool and dtype is not bool:
        return _map(lambda v: sp.Integer(1 if v else 0), x, dtype)
    return SymbolicArray(x._data.copy(), dtype)


# --- elementwise -----------------------------------------------------------------------------


def maximum(x1: Any, x2: Any, /) -> SymbolicArray:
    """The larger entry, chosen by the decided sign of ``x1 - x2``."""
    pick = np.frompyfunc(lambda a, b: a if sign_of(a - b) >= 0 else b, 2, 1)
    dtype = x1.dtype if isinstance(x1, SymbolicArray) else x2.dtype
    return SymbolicArray(np.asarray(pick(_entries(x1), _entries(x2)), dtype=object), dtype)


def sign(x: SymbolicArray, /) -> SymbolicArray:
    return _map(lambda v: sp.Integer(sign_of(v)), x)


def where(condition: SymbolicArray, x1: Any, x2: Any, /) -> SymbolicArray:
    chosen = np.where(condition._data.astype(builtins.bool), _entries(x1), _entries(x2))
    dtype = x1.dtype if isinstance(x1, SymbolicArray) else getattr(x2, "dtype", float64)
    return SymbolicArray(np.asarray(chosen, dtype=object), dtype)


def isfinite(x: SymbolicArray, /) -> SymbolicArray:
    return _map(_finite, x, bool)


def exp_normal(argument: Any) -> Any:
    """``exp(argument)`` as a product: ``v**c`` for each term ``c log(v)``, one
    :class:`~manual_backprop.checks.symbolic.Exp` per shift term, one Exp for the rest (its
    argument expanded, so that equal exponents give one atom)."""
    terms = sp.Add.make_args(sp.expand(argument))
    factors, rest = [], []
    for term in terms:
        coefficient, core = term.as_coeff_Mul()
        if isinstance(core, sp.log) and coefficient.is_Rational:
            factors.append(core.args[0] ** coefficient)
        elif builtins.any(s.name.startswith(SHIFT) for s in term.free_symbols):
            factors.append(Exp(term))
        else:
            rest.append(term)
    if rest:
        factors.append(Exp(sp.Add(*rest)))
    return sp.Mul(*factors)


def log_normal(argument: Any) -> Any:
    """``log(argument)``: each exponential factor of ``argument`` comes out as its exponent
    (``log(Exp(u) q) = u + log(q)``, exact for real u and any q), the rest stays one log."""
    factored = sp.factor_terms(argument)
    outside, inside = [], []
    for factor in sp.Mul.make_args(factored):
        base, power = factor.as_base_exp()
        if isinstance(base, Exp):
            outside.append(power * base.args[0])
        elif power.is_Integer and _sum_of_exponentials(base):
            outside.append(power * sp.log(base))  # log(q^k) = k log(q) for q > 0
        else:
            inside.append(factor)
    return sp.Add(*outside) + sp.log(sp.Mul(*inside))  # log(1) is 0


def _sum_of_exponentials(expr: Any) -> builtins.bool:
    """True for a sum of terms, each a positive rational times powers of Exp atoms (> 0)."""
    for term in sp.Add.make_args(expr):
        coefficient, core = term.as_coeff_Mul()
        if not (coefficient.is_Rational and coefficient > 0):
            return False
        if not builtins.all(isinstance(f.as_base_exp()[0], Exp) for f in sp.Mul.make_args(core)):
            return False
    return True


def exp(x: SymbolicArray, /) -> SymbolicArray:
    return _map(exp_normal, x)


def log(x: SymbolicArray, /) -> SymbolicArray:
    return _map(log_normal, x)


# --- linear algebra and reductions --------------------------------------------------------


def matmul(x1: SymbolicArray, x2: SymbolicArray, /) -> SymbolicArray:
    return SymbolicArray(np.asarray(np.matmul(x1._data, x2._data), dtype=object), float64)


def einsum(subscripts: str, *operands: SymbolicArray) -> SymbolicArray:
    """Only the form the code uses, ``"bi,bj->ij"``: the sum over b of outer products."""
    if subscripts.replace(" ", "") != "bi,bj->ij" or len(operands) != 2:
        raise NotImplementedError(f"einsum {subscripts!r} is not in the symbolic library")
    left, right = operands
    return SymbolicArray(np.asarray(left._data.T @ right._data, dtype=object), float64)


def _reduce(x: SymbolicArray, function: Any, axis: Any, keepdims: builtins.bool,
            dtype: DType | None = None) -> SymbolicArray:  # fmt: skip
    data = x._data
    axes = tuple(range(data.ndim)) if axis is None else (axis,) if isinstance(axis, int) else axis
    axes = tuple(a % data.ndim for a in axes) if data.ndim else ()
    moved = np.moveaxis(data, axes, tuple(range(-len(axes), 0))) if axes else data
    kept = moved.shape[: moved.ndim - len(axes)]
    flat = moved.reshape((*kept, -1))
    out = np.empty(kept, dtype=object)
    for index in np.ndindex(*kept):
        out[index] = function(list(flat[index]))
    if keepdims:
        out = np.expand_dims(out, axes) if axes else out
    return SymbolicArray(np.asarray(out, dtype=object), dtype or x.dtype)


def sum(x: SymbolicArray, /, *, axis: Any = None, keepdims: builtins.bool = False) -> SymbolicArray:
    return _reduce(x, lambda values: sp.Add(*values), axis, keepdims)


def _shift(values: list[Any]) -> Any:
    """The row maximum: a number if every entry is one, else a fresh opaque real symbol."""
    if builtins.all(sp.sympify(v).is_Number for v in values):
        return builtins.max(values)
    shifts = _SHIFTS.get([])
    shift = sp.Symbol(f"{SHIFT}_{len(shifts)}")
    shifts.append(shift)
    return shift


def max(x: SymbolicArray, /, *, axis: Any = None, keepdims: builtins.bool = False) -> SymbolicArray:
    return _reduce(x, _shift, axis, keepdims)


def min(x: SymbolicArray, /, *, axis: Any = None, keepdims: builtins.bool = False) -> SymbolicArray:
    """The smallest entry: a number if every entry is one, else SymPy's ``Min``, whose sign
    :func:`sign_of` decides from its entries' signs."""
    return _reduce(x, lambda values: sp.Min(*values), axis, keepdims)


def any(x: SymbolicArray, /, *, axis: Any = None, keepdims: builtins.bool = False) -> SymbolicArray:
    return _reduce(x, lambda values: builtins.any(values), axis, keepdims, bool)


def all(x: SymbolicArray, /, *, axis: Any = None, keepdims: builtins.bool = False) -> SymbolicArray:
    return _reduce(x, lambda values: builtins.all(values), axis, keepdims, bool)


def reshape(x: SymbolicArray, /, shape: tuple[int, ...]) -> SymbolicArray:
    return SymbolicArray(x._data.reshape(shape), x.dtype)


def argmax(x: SymbolicArray, /) -> SymbolicArray:
    """The flat index of the first largest entry, as NumPy's; a boolean entry (Python's from a
    comparison, SymPy's from :func:`array`) counts as 1 or 0."""
    entries = x._data.ravel()
    if x.dtype is bool:
        values = [sp.Integer(int(builtins.bool(v))) for v in entries]
    else:
        values = [sp.sympify(v) for v in entries]
    best = 0
    for i, v in enumerate(values):
        if sign_of(v - values[best]) > 0:
            best = i
    return array(best, int64)
