"""The symbolic array library, and the proof of the code failing on broken code.

:mod:`manual_backprop.checks.symbolic_array` must be what ``namespace()`` hands the equations,
keep every number exact, decide each comparison by the hypotheses or refuse it, and keep its
normal forms; one case of :func:`manual_backprop.checks.code_proof.prove_case` (2-3-2-3, B = 1,
one strict pattern, about a second) must be proved on the shipping code and not proved when a
shipping function is broken. Fast enough for mutmut's selection (pyproject.toml).
"""

from __future__ import annotations

import math

import pytest
import sympy as sp

import manual_backprop.backward
import manual_backprop.heads
from manual_backprop.checks import code_proof, symbolic
from manual_backprop.checks import symbolic_array as sa
from manual_backprop.namespace import namespace


def test_the_symbolic_array_is_its_own_array_api_namespace() -> None:
    x = sa.array([[0.5, 1.0]])
    assert namespace(x) is sa
    assert x.entries.tolist() == [[sp.Rational(1, 2), 1]]  # floats become exact rationals
    assert (x * 0.1).entries[0, 0] == sp.Rational(0.1) / 2  # 0.1's exact binary value


def test_a_comparison_no_hypothesis_decides_is_refused_not_guessed() -> None:
    z = sa.array([[sp.Symbol("u")]])
    with pytest.raises(sa.UndecidedError):
        sa.maximum(z, sa.zeros(()))
    with sa.deciding({sp.Symbol("u"): -1}):
        assert sa.maximum(z, sa.zeros(())).entries[0, 0] == 0
        assert not bool(sa.any(z > 0)) and bool(sa.all(z < 0))
        assert sa.sign(z).entries[0, 0] == -1


def test_the_log_sum_exp_shift_cancels_and_the_softmax_is_free_of_it() -> None:
    z = sa.array([[sp.Symbol("u"), sp.Symbol("v")]])
    with sa.deciding({}) as shifts:
        softmax = manual_backprop.heads.softmax(z).entries
    assert len(shifts) == 1  # the row max is one opaque symbol
    assert not any(entry.has(shifts[0]) for entry in softmax.ravel())
    u, v = symbolic.Exp(sp.Symbol("u")), symbolic.Exp(sp.Symbol("v"))
    assert symbolic.is_zero(softmax[0, 0] - u / (u + v))


# --- The proofs can fail: broken shipping code is reported as not proved ------------------------

ONE_PATTERN = (1, -1, 1, 1, -1)  # z^1 = (+, -, +), z^2 = (+, -)


def test_the_code_without_h_prime_in_backward_is_not_proved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """backward.py with eq. (16)'s h'(z^l) dropped: delta^l = delta^(l+1) W^(l+1)^T."""
    case = code_proof.Case("relu", "unnormalised", (ONE_PATTERN,))
    assert code_proof.prove_case(case).proved
    monkeypatch.setattr(manual_backprop.backward, "relu_grad",
                        lambda z, at_zero: sa.ones(z.shape))  # fmt: skip
    outcome = code_proof.prove_case(case)
    assert not outcome.parts["deltas"] and not outcome.parts["weights"]
    assert outcome.parts["J"]  # the forward pass is untouched


def test_the_code_with_the_softmax_delta_sign_flipped_is_not_proved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = code_proof.Case("softmax", "soft", (ONE_PATTERN,))
    assert code_proof.prove_case(case).proved
    shipped = manual_backprop.heads.softmax_delta
    monkeypatch.setattr(manual_backprop.heads, "softmax_delta", lambda a, y: -shipped(a, y))
    outcome = code_proof.prove_case(case)
    assert not outcome.parts["deltas"] and not outcome.parts["biases"]


def test_is_zero_is_exact_not_approximately_zero() -> None:
    x = sp.Symbol("x", real=True)
    assert symbolic.is_zero(symbolic.Exp(x) ** 2 / symbolic.Exp(x) - symbolic.Exp(x))
    assert not symbolic.is_zero(sp.Rational(1, 10**30))
    assert not symbolic.is_zero(symbolic.Activation(x) - x)


# --- Each operation of the namespace, exactly ---------------------------------------------------

u, v = sp.symbols("u v")


def test_creation_dtypes_and_shapes() -> None:
    assert sa.zeros((2, 3)).shape == (2, 3) and sa.zeros((2, 3)).entries.sum() == 0
    assert sa.ones(3, dtype=sa.float32).dtype is sa.float32 and sa.ones(3).entries.sum() == 3
    labels = sa.arange(3, device=sa.DEVICE)
    assert labels.dtype is sa.int64 and labels.entries.tolist() == [0, 1, 2]
    assert sa.isdtype(sa.int64, "integral") and not sa.isdtype(sa.float64, "integral")
    assert sa.isdtype(sa.float32, "real floating") and not sa.isdtype(sa.bool, "real floating")
    assert sa.isdtype(sa.bool, "bool") and sa.isdtype(sa.int8, "numeric")
    x = sa.array([[1, 2, 3], [4, 5, 6]])
    assert x.ndim == 2 and x.T.shape == (3, 2) and x.device == sa.DEVICE
    assert sa.reshape(x, (-1,)).shape == (6,) and x[:, None].shape == (2, 1, 3)
    assert sa.reshape(sa.arange(2), (2, 1)).dtype is sa.int64 and x[0].dtype is sa.float64
    assert x[1:2, :].entries.tolist() == [[4, 5, 6]] and repr(sa.float64) == "symbolic.float64"
    with pytest.raises(TypeError, match="no exact symbolic value for str 'a'"):
        sa.array(["a"])
    assert sa.array([math.inf, -math.inf, math.nan]).entries.tolist()[:2] == [sp.oo, -sp.oo]


def test_arithmetic_stays_exact_and_keeps_its_dtype() -> None:
    x = sa.array([[u, v]])
    assert ((x + 1) - 1).entries.tolist() == [[u, v]] and (1 - x).entries[0, 0] == 1 - u
    assert (2 * x / 4).entries.tolist() == [[u / 2, v / 2]] and (1 / x).entries[0, 1] == 1 / v
    assert (-x).entries[0, 0] == -u and (x * x).entries[0, 0] == u**2
    assert (x @ sa.array([[1], [2]])).entries.tolist() == [[u + 2 * v]]
    assert sa.einsum("bi,bj->ij", x, x).entries.tolist() == [[u**2, u * v], [u * v, v**2]]
    with pytest.raises(NotImplementedError):
        sa.einsum("ij,jk->ik", x, x)
    labels = sa.array([0, 1], sa.int64)
    assert (labels + 1).dtype is sa.int64 and (labels + 0.5).dtype is sa.float64
    assert (labels + sa.ones(2)).dtype is sa.float64
    assert (labels - labels).dtype is sa.int64 and (labels * labels).dtype is sa.int64  # ints stay


def test_comparisons_are_decided_by_the_hypotheses_then_by_the_numbers() -> None:
    x = sa.array([[u, v, 0]])
    with sa.deciding({u: 1, v: -1}):
        assert (x > 0).entries.tolist() == [[True, False, False]]
        assert (x >= 0).entries.tolist() == [[True, False, True]]
        assert (x < 0).entries.tolist() == [[False, True, False]]
        assert (x <= 0).entries.tolist() == [[False, True, True]]
        assert (x == 0).entries.tolist() == [[False, False, True]]
        assert (x != 0).entries.tolist() == [[True, True, False]]
        assert ((x > 0) | (x < 0)).entries.tolist() == [[True, True, False]]
        assert ((x > 0) | (x < 0)).dtype is sa.bool and ((x > 0) & (x < 0)).dtype is sa.bool
        assert ((x >= 0) & (x <= 0)).entries.tolist() == [[False, False, True]]
        assert sa.sign(-x).entries.tolist() == [[-1, 1, 0]]  # -u: the hypothesis, negated
        assert sa.maximum(x, 0.0).entries.tolist() == [[u, 0, 0]]
        assert sa.sign_of(sp.Min(u, 2)) == 1 and sa.sign_of(sp.Max(v, -1)) == -1
        assert sa.sign_of(2 * u - u - u) == 0  # decided once expanded
        chosen = sa.where(x > 0, x, 7.0)
        assert chosen.entries.tolist() == [[u, 7, 7]] and chosen.dtype is sa.float64
        assert sa.astype(x > 0, sa.float64).entries.tolist() == [[1, 0, 0]]
        assert int(sa.argmax(sa.reshape(x < 0, (-1,)))) == 1
        assert int(sa.argmax(sa.array([3, 5, 4]))) == 1
        first = sa.argmax(sa.array([5, 5, 3]))  # the first of equal maxima, as NumPy's
        assert int(sa.argmax(sa.array([0.25, 0.5]))) == 1  # not truncated to integers
        assert int(sa.argmax(sa.array([False, True], sa.bool))) == 1  # SymPy's booleans
        assert int(first) == 0 and first.dtype is sa.int64
        assert bool(sa.array(u)) and not bool(sa.array(0)) and bool(sa.any(x < 0))
        assert not bool(sa.all(x > 0))
    with pytest.raises(sa.UndecidedError):
        sa.sign(x)  # outside the hypotheses, u and v have no sign
    assert sa.sign_of(sp.Symbol("p", positive=True)) == 1  # SymPy's own assumptions
    assert sa.sign_of(sp.Symbol("q", negative=True)) == -1
    assert sa.sign_of(sp.Symbol("o", zero=True)) == 0
    with pytest.raises(sa.UndecidedError, match="the sign of u is not decided by the activation"):
        sa.sign_of(u)
    with sa.deciding({u: 1, v: -1}):  # an array on the right is compared entry by entry
        assert (x > sa.array([[0, 0, 1]])).entries.tolist() == [[True, False, False]]


def test_reductions_and_reading_values_back() -> None:
    x = sa.array([[u, v], [1, 2]])
    assert sa.sum(x).entries.item() == u + v + 3
    assert sa.sum(x, axis=1).entries.tolist() == [u + v, 3]
    assert sa.sum(x, axis=0, keepdims=True).entries.tolist() == [[u + 1, v + 2]]
    assert sa.sum(x, axis=-1, keepdims=True).shape == (2, 1)
    assert sa.sum(x, axis=(0, 1)).entries.item() == u + v + 3 and sa.sum(x).dtype is sa.float64
    assert sa.min(sa.array([3, 1, 2])).entries.item() == 1
    assert sa.min(x, axis=1).entries.tolist()[1] == 1 and sa.max(sa.array([1, 5])) == 5
    with sa.deciding({}) as shifts:
        row_max = sa.max(x, axis=1, keepdims=True)
    assert row_max.shape == (2, 1) and len(shifts) == 1  # an opaque shift for the symbolic row
    assert row_max.entries[1, 0] == 2
    assert float(sa.array(0.25)) == 0.25 and float(sa.array(u)) == 0.0
    assert math.isnan(float(sa.array(sp.zoo * u)))
    assert int(sa.array(3)) == 3
    with pytest.raises(TypeError, match=r"only a 0-d or one-entry array converts, got shape \(2,"):
        float(x)
    assert sa.isfinite(sa.array([u, sp.oo, sp.nan, 1 / sp.Integer(0)])).entries.tolist() == [
        True, False, False, False]  # fmt: skip
    assert sa.all(sa.array([True, True], sa.bool)) and not sa.any(sa.zeros(2) > 0)


def test_exp_and_log_keep_one_normal_form() -> None:
    shift = sp.Symbol(f"{sa.SHIFT}_0")
    E = symbolic.Exp
    assert sa.exp_normal(u * (v + 1) - shift - 2 * sp.log(v)) == E(u * v + u) * E(-shift) / v**2
    assert sa.exp_normal(sp.log(v)) == v and sa.exp_normal(u) == E(u)
    assert sa.log_normal(E(u) * E(-shift) * v) == u - shift + sp.log(v)
    total = E(u) + 2 * E(v)
    assert sa.log_normal(E(u) / total) == u - sp.log(total)  # a sum of exponentials is > 0
    assert sa.log_normal((u + v) ** -1) == sp.log(1 / (u + v))  # not known positive: kept
    assert sa.log_normal(E(u)) == u and sa.log_normal(u) == sp.log(u)
    assert sa.log_normal(2 * E(u)) == u + sp.log(2) and sa.log_normal(E(u) * 1) == u
    assert not sa._sum_of_exponentials(E(u) - E(v)) and not sa._sum_of_exponentials(u + E(v))
    x = sa.array([[u]])
    assert sa.log(sa.exp(x)).entries[0, 0] == u


def test_reductions_keep_their_axis_keepdims_and_dtype() -> None:
    b = sa.array([[1, -1], [-1, -1]]) > 0  # numbers decide themselves
    assert (
        sa.any(b).shape == () and sa.all(b).shape == () and sa.max(sa.array([[1, 2]])).shape == ()
    )
    assert sa.any(b, axis=1).entries.tolist() == [True, False] and sa.any(b).dtype is sa.bool
    assert sa.any(sa.array([0.0, 1.0])).dtype is sa.all(sa.ones(2)).dtype is sa.bool  # any input
    assert sa.all(b, axis=0, keepdims=True).entries.tolist() == [[False, False]]
    assert sa.any(b, axis=0, keepdims=True).shape == (1, 2) and sa.all(b, axis=0).dtype is sa.bool
    assert sa.float64.name == "float64" and sa.int8.kind == "signed integer"
    assert sa.isdtype(sa.float64, "numeric") and not sa.isdtype(sa.float64, "complex floating")
    assert not bool(sa.array((u + 1) ** 2 - u**2 - 2 * u - 1))  # 0 once expanded
    shift = sa.max(sa.array([u, v]))  # outside ``deciding``: still a fresh opaque symbol
    assert str(shift.entries.item()).startswith(sa.SHIFT)
    with sa.deciding({}) as shifts:
        sa.max(sa.array([u, v]))
    assert [str(s) for s in shifts] == [f"{sa.SHIFT}_0"]


def test_each_operation_returns_its_dtype_and_decides_what_it_should() -> None:
    x, labels = sa.array([[u, 0]]), sa.array([1, 2], sa.int64)
    with sa.deciding({u: 1, u - v: 1, v: -1}):
        assert (-labels).dtype is sa.int64 and sa.zeros(2, dtype=sa.int64).dtype is sa.int64
        assert ((x > 0) & (x < 0)).dtype is sa.bool and sa.isfinite(x).dtype is sa.bool
        assert sa.maximum(labels, 0.0).dtype is sa.int64 and sa.maximum(0.0, x).dtype is sa.float64
        assert sa.maximum(sa.array([u]), sa.array([v])).entries.tolist() == [u]  # sign(u - v)
        assert sa.where(x > 0, labels, labels).dtype is sa.int64
        assert sa.where(x > 0, 1.0, labels).dtype is sa.int64
        assert sa.where(x > 0, 1.0, 2.0).dtype is sa.float64
        assert sa.where(sa.array([True], sa.bool), labels[:1], 1).dtype is sa.int64  # x1's dtype
        assert sa.where(sa.array([False, True], sa.bool), 1.0, 2.0).entries.tolist() == [2, 1]
        assert (labels @ labels).dtype is sa.float64 and sa.einsum(
            "bi,bj->ij", x, x
        ).dtype is sa.float64
        assert sa.einsum(" bi, bj -> ij", x, x).shape == (2, 2)  # spaces are not subscripts
        floats = sa.astype(x > 0, sa.float64)
        assert floats.dtype is sa.float64 and all(
            isinstance(e, sp.Integer) for e in floats.entries.ravel()
        )
        assert sa.astype(labels, sa.float64).dtype is sa.float64
        assert sa.sign_of(sp.Min(u, v)) == -1 and sa.sign_of(sp.Max(u, v)) == 1
    assert not sa.isfinite(sa.array([-sp.oo])).entries.item()
    with pytest.raises(NotImplementedError, match="einsum 'ij->ji' is not in the symbolic library"):
        sa.einsum("ij->ji", x)
