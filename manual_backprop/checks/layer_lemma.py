"""The layer lemma for every width: (16), (26)-(31) and the heads, with the widths as symbols.

:mod:`manual_backprop.checks.symbolic` proves the derivation on fixed, small networks. Here the
widths ``n_{l-1}``, ``n_l``, ``n_{l+1}`` and the class count ``n_L`` are SymPy symbols (positive
integers), the quantities are :class:`sympy.Indexed` (``w[j, k]`` is ``w^{l+1}_{jk}``, the
derivation's layout: ``W^l`` has shape ``(n_{l-1}, n_l)``), the sums are :class:`sympy.Sum` from 1
to a width, and SymPy differentiates the layer's own definitions, producing
:class:`sympy.KroneckerDelta` for ``d z_q / d z_j``.

The paper step, not machine-checked: the multivariate chain rule. J depends on layer l only
through ``z^{l+1}``, so ``dJ/dz^l_j = sum_k (dJ/dz^{l+1}_k) (dz^{l+1}_k / dz^l_j)``, and J
depends on ``W^l``, ``b^l`` only through ``z^l``. SymPy cannot hold a function of a vector of
symbolic length, so ``d[k]`` (``D[q]``) stands for ``dJ/dz^{l+1}_k`` (``dJ/dz^l_q``): an indexed
symbol about which nothing is assumed. The heads, (42)/(44) and (17)/(23), need no paper step:
SymPy differentiates J itself, a sum over ``n_L`` classes.

The range conditions, discharged in the open (:func:`evaluate`): summing a Kronecker delta,
``Sum(f(q) KroneckerDelta(q, j), (q, 1, n))``, SymPy returns
``Piecewise((f(j), (j >= 1) & (j <= n)), (0, True))``. Each proof states its hypotheses, every
free index in its range (``1 <= j <= n_l``); a ``Piecewise`` is replaced by its first branch only
when its condition is, atom for atom, the conjunction of the ranges of the indices it names, so
that the hypotheses imply it and its other branch holds exactly when an index is out of range.
Any other ``Piecewise`` is left alone, and the proof then fails. The rewrite itself is checked
on concrete widths (:func:`kronecker_rule_proofs`).

"Proved" means what it means in :mod:`~manual_backprop.checks.symbolic`: the difference LHS - RHS,
with every sum over the same range written with the same bound index and its constant factors
pulled out (:func:`normal_form`), and each distinct sum then taken as one unknown, is exactly 0
by :func:`~manual_backprop.checks.symbolic.is_zero`. Taking sums as unknowns can only lose
relations between them, never invent one.

:func:`cross_check_proofs` ties these proofs to the fixed-size ones: at widths 2 and 3 both
sides, written out, are the expressions :data:`~manual_backprop.checks.symbolic.RHS` gives on a
:func:`~manual_backprop.checks.symbolic.network`, and equal SymPy's derivatives there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sympy as sp

from manual_backprop.checks.symbolic import RHS, Activation, Exp, Proof, Slope, is_zero, network

__all__ = [
    "ANY_WIDTH",
    "Evaluated",
    "Range",
    "cross_check_proofs",
    "evaluate",
    "kronecker_rule_proofs",
    "lhs_eq16",
    "lhs_eq26",
    "lhs_eq29",
    "normal_form",
    "proofs",
    "prove_eq16",
    "prove_eq26",
    "prove_eq26_through_eq16",
    "prove_eq29",
    "prove_eq42",
    "prove_eq44",
    "prove_relu_head",
    "sums_are_zero",
    "supporting_proofs",
]

#: The oracle label of these proofs: their verify rows and the table of docs/verification.md.
ANY_WIDTH = "proved (SymPy, any width)"

Expr = Any  # a SymPy expression

# --- The symbols: widths, indices, the layer's quantities ---------------------------------------

n_previous, n_l, n_next, n_classes = sp.symbols(
    "n_{l-1} n_l n_{l+1} n_L", integer=True, positive=True
)
i, j, k, m, n, p, q = sp.symbols("i j k m n p q", integer=True)  # indices: integers, no range
a_previous = sp.IndexedBase("a^{l-1}")  # a^{l-1}_i, i = 1 .. n_{l-1}
w_l, b_l = sp.IndexedBase("w^l"), sp.IndexedBase("b^l")  # w^l_{pq}: p in l-1, q in l
z_l = sp.IndexedBase("z^l")
w_next, b_next = sp.IndexedBase("w^{l+1}"), sp.IndexedBase("b^{l+1}")
d = sp.IndexedBase("d")  # d_k: stands for dJ/dz^{l+1}_k, nothing assumed
D = sp.IndexedBase("D")  # D_q: stands for dJ/dz^l_q, nothing assumed
z, y = sp.IndexedBase("z"), sp.IndexedBase("y")  # the head's z^L_m and targets y_m


def z_layer(column: Expr) -> Expr:
    """(3)/(5)/(7): ``z^l_q = sum_p w^l_{pq} a^{l-1}_p + b^l_q``, p = 1 .. n_{l-1}."""
    return sp.Sum(w_l[p, column] * a_previous[p], (p, 1, n_previous)) + b_l[column]


def z_next_layer(column: Expr) -> Expr:
    """(5)/(7) one layer up: ``z^{l+1}_k = sum_q w^{l+1}_{qk} h(z^l_q) + b^{l+1}_k``."""
    return sp.Sum(w_next[q, column] * Activation(z_l[q]), (q, 1, n_l)) + b_next[column]


def softmax(row: Expr) -> Expr:
    """(34): ``a_m = exp(z_m) / sum_p exp(z_p)``, p = 1 .. n_L."""
    return Exp(z[row]) / sp.Sum(Exp(z[p]), (p, 1, n_classes))


# --- Index ranges and the Piecewise branches they select ----------------------------------------


@dataclass(frozen=True)
class Range:
    """The hypothesis ``1 <= index <= width`` on one free index."""

    index: Any
    width: Any

    @property
    def atoms(self) -> frozenset[Any]:
        """The range as canonical atoms ``e >= 0``: ``{index - 1, width - index}``."""
        return frozenset({sp.expand(self.index - 1), sp.expand(self.width - self.index)})

    def __str__(self) -> str:
        return f"1 <= {self.index} <= {self.width}"


def _atom(relation: Any) -> Any:
    """A relation between integers as ``e`` in ``e >= 0``; None for anything else."""
    lhs, rhs = relation.args if isinstance(relation, sp.core.relational.Relational) else (0, 0)
    form = {
        sp.GreaterThan: lhs - rhs,
        sp.LessThan: rhs - lhs,
        sp.StrictGreaterThan: lhs - rhs - 1,
        sp.StrictLessThan: rhs - lhs - 1,
    }.get(type(relation))
    return None if form is None else sp.expand(form)


def _range_indices(condition: Any, ranges: Sequence[Range]) -> tuple[Any, ...] | None:
    """The indices whose ranges, together, are exactly ``condition``; None if there are none.

    ``condition`` must be a conjunction of integer relations whose canonical atoms are the union
    of the hypothesised ranges of the indices it names: then the hypotheses imply it, and it
    fails exactly when one of those indices is out of its range.
    """
    relations = condition.args if isinstance(condition, sp.And) else (condition,)
    atoms = {_atom(relation) for relation in relations}
    if None in atoms:
        return None
    named = [r for r in ranges if r.index in condition.free_symbols]
    if not named or atoms != set().union(*(r.atoms for r in named)):
        return None
    return tuple(r.index for r in named)


@dataclass(frozen=True)
class Evaluated:
    """An expression with its sums done and its range conditions discharged.

    ``expr`` is the in-range value; ``discharged`` the conditions of the Piecewise branches taken
    (each the range of the indices it names); ``complete`` is False when a ``Piecewise`` or a
    ``KroneckerDelta`` is left that the hypotheses do not resolve.
    """

    expr: Any
    discharged: tuple[Any, ...]
    complete: bool


def evaluate(expr: Expr, ranges: Sequence[Range], rounds: int = 6) -> Evaluated:
    """Do the sums (``doit``), take each Piecewise's in-range branch, bring to normal form; repeat
    until nothing changes (at most ``rounds`` times).

    Each index of ``ranges`` must be free in ``expr``, never a sum's bound index: a hypothesis is
    about the index the identity is stated for.
    """
    bound = {v for total in expr.atoms(sp.Sum) for v in total.variables}
    for r in ranges:
        if r.index in bound:
            raise ValueError(f"ranges: {r.index} is a bound index of the expression, not free")
    discharged: list[Any] = []

    def in_range(piecewise: Any) -> Any:
        (first, condition), *rest = piecewise.args
        if len(rest) != 1 or rest[0][1] is not sp.true:
            return piecewise
        if _range_indices(condition, ranges) is None:
            return piecewise
        discharged.append(condition)
        return first

    for _ in range(rounds):
        done = normal_form(expr.doit().replace(lambda e: isinstance(e, sp.Piecewise), in_range))
        if done == expr:
            break
        expr = done
    complete = not expr.has(sp.Piecewise, sp.KroneckerDelta)
    return Evaluated(expr, tuple(discharged), complete)


# --- Normal form of sums, and the zero test ------------------------------------------------------


def _height(expr: Expr) -> int:
    """How deep sums nest in ``expr``: 0 for none."""
    return max((1 + _height(s.function) for s in expr.atoms(sp.Sum)), default=0)


def _pull(total: Any) -> Expr:
    """One sum, single limit: split over its terms, pull out the factors free of the bound index,
    and name the bound index after the sum's height (``_s1`` innermost), so that equal sums are
    equal expressions."""
    if len(total.limits) != 1:
        return total
    (bound, low, high) = total.limits[0]
    canonical = sp.Symbol(f"_s{1 + _height(total.function)}", integer=True)
    out = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(total.function)):
        inside = [f for f in sp.Mul.make_args(term) if bound in f.free_symbols]
        outside = [f for f in sp.Mul.make_args(term) if bound not in f.free_symbols]
        body = sp.Mul(*inside).xreplace({bound: canonical})
        out += sp.Mul(*outside) * (sp.Sum(body, (canonical, low, high)) if inside else
                                   (high - low + 1))  # fmt: skip
    return out


def normal_form(expr: Expr) -> Expr:
    """Every sum split over its terms, its constant factors outside, its bound index canonical."""
    return sp.expand(expr.replace(lambda e: isinstance(e, sp.Sum), _pull))


def sums_are_zero(expr: Expr, given: dict[Any, Any] | None = None) -> bool:
    """True when ``expr`` is exactly 0 with each distinct sum (in normal form) as one unknown.

    ``given`` replaces sums by values first: a hypothesis such as ``sum_m y_m = 1``.
    """
    expr = normal_form(expr)
    if given:
        expr = expr.xreplace({normal_form(s): v for s, v in given.items()})
    unknowns = {s: sp.Dummy() for s in expr.atoms(sp.Sum)}
    return is_zero(expr.xreplace(unknowns))


# --- The proofs --------------------------------------------------------------------------------


def _hypotheses(expr: Expr, ranges: Sequence[Range], extra: str) -> str:
    """The proof's hypotheses, short enough for a row of verify: each free index's range, then
    what is arbitrary: the widths it involves (positive integers) and ``extra`` (h, the unknowns
    ``d_k`` or ``D_q``, the targets, the head)."""
    symbols = expr.free_symbols | {r.width for r in ranges}
    widths = [str(w) for w in (n_previous, n_l, n_next, n_classes) if w in symbols]
    return f"{', '.join(map(str, ranges))}; any {', '.join(widths)}, {extra}"


def _prove(
    equation: str, statement: str, ranges: Sequence[Range], lhs: Expr, rhs: Expr, start: float,
    *, extra: str, given: dict[Any, Any] | None = None,
) -> Proof:  # fmt: skip
    left = evaluate(lhs, ranges)
    proved = left.complete and sums_are_zero(left.expr - rhs, given)
    where = _hypotheses(lhs, ranges, extra)
    return Proof(equation, statement, where, proved, time.perf_counter() - start, ANY_WIDTH)


def rhs_eq16(column: Expr) -> Expr:
    """(15)/(16): ``h'(z^l_j) sum_k w^{l+1}_{jk} d_k``, k = 1 .. n_{l+1}."""
    return Slope(z_l[column]) * sp.Sum(w_next[column, k] * d[k], (k, 1, n_next))


def lhs_eq16(column: Expr) -> Expr:
    """(13): ``sum_k d_k dz^{l+1}_k/dz^l_j``, SymPy's derivative inside (the sum is the chain
    rule, on paper)."""
    return sp.Sum(d[k] * sp.diff(z_next_layer(k), z_l[column]), (k, 1, n_next))


def prove_eq16(rhs: Callable[[Expr], Expr] = rhs_eq16) -> Proof:
    """(16) for every width: ``sum_k d_k dz^{l+1}_k/dz^l_j`` (the chain rule, on paper) is
    ``h'(z^l_j) sum_k w^{l+1}_{jk} d_k``, for any h and any ``d``."""
    start = time.perf_counter()
    return _prove("(16)", "sum_k d_k dz^{l+1}_k/dz^l_j = h'(z^l_j) sum_k w^{l+1}_jk d_k",
                  [Range(j, n_l)], lhs_eq16(j), rhs(j), start,
                  extra="h, d_k")  # fmt: skip


def rhs_eq26(row: Expr, column: Expr) -> Expr:
    """(11), (26)-(28): ``a^{l-1}_i D_j``."""
    return a_previous[row] * D[column]


def lhs_eq26(row: Expr, column: Expr) -> Expr:
    """(9, 10): ``sum_q D_q dz^l_q/dw^l_ij``, SymPy's derivative inside."""
    return sp.Sum(D[q] * sp.diff(z_layer(q), w_l[row, column]), (q, 1, n_l))


def prove_eq26(rhs: Callable[[Expr, Expr], Expr] = rhs_eq26) -> Proof:
    """(26)-(28) for every width: ``sum_q D_q dz^l_q/dw^l_ij = a^{l-1}_i D_j``."""
    start = time.perf_counter()
    return _prove("(26)-(28)", "sum_q D_q dz^l_q/dw^l_ij = a^{l-1}_i D_j",
                  [Range(i, n_previous), Range(j, n_l)], lhs_eq26(i, j), rhs(i, j), start,
                  extra="D_q")  # fmt: skip


def prove_eq26_through_eq16() -> Proof:
    """(26)-(28) with (16), one layer further: ``sum_k d_k dz^{l+1}_k/dw^l_ij`` is
    ``a^{l-1}_i h'(z^l_j) sum_k w^{l+1}_{jk} d_k``, with z^l written out by (3)/(5)/(7)."""
    start = time.perf_counter()
    z_through = {z_l[q]: z_layer(q)}
    lhs = sp.Sum(d[k] * sp.diff(z_next_layer(k).xreplace(z_through), w_l[i, j]), (k, 1, n_next))
    rhs = a_previous[i] * rhs_eq16(j).xreplace({z_l[j]: z_layer(j)})
    return _prove("(26)-(28)", "sum_k d_k dz^{l+1}_k/dw^l_ij = a^{l-1}_i (16)'s delta^l_j",
                  [Range(i, n_previous), Range(j, n_l)], lhs, rhs, start,
                  extra="h, d_k")  # fmt: skip


def rhs_eq29(column: Expr) -> Expr:
    """(12), (29)-(31): ``D_j``."""
    return D[column]


def lhs_eq29(column: Expr) -> Expr:
    """(12): ``sum_q D_q dz^l_q/db^l_j``, SymPy's derivative inside."""
    return sp.Sum(D[q] * sp.diff(z_layer(q), b_l[column]), (q, 1, n_l))


def prove_eq29(rhs: Callable[[Expr], Expr] = rhs_eq29) -> Proof:
    """(29)-(31) for every width: ``sum_q D_q dz^l_q/db^l_j = D_j``."""
    start = time.perf_counter()
    return _prove("(29)-(31)", "sum_q D_q dz^l_q/db^l_j = D_j", [Range(j, n_l)], lhs_eq29(j),
                  rhs(j), start, extra="D_q")  # fmt: skip


def softmax_loss() -> Expr:
    """(33) with (34): ``J = -sum_m y_m ln a_m``, m = 1 .. n_L."""
    return -sp.Sum(y[m] * sp.log(softmax(m)), (m, 1, n_classes))


def rhs_eq42(row: Expr) -> Expr:
    """(42): ``a_n sum_m y_m - y_n``."""
    return softmax(row) * sp.Sum(y[m], (m, 1, n_classes)) - y[row]


def prove_eq42(rhs: Callable[[Expr], Expr] = rhs_eq42) -> Proof:
    """(42) for every class count: ``dJ/dz_n = a_n sum_m y_m - y_n``, any targets."""
    start = time.perf_counter()
    return _prove("(42)", "dJ/dz_n = a_n sum_m y_m - y_n", [Range(n, n_classes)],
                  sp.diff(softmax_loss(), z[n]), rhs(n), start,
                  extra="y; softmax head")  # fmt: skip


def rhs_eq44(row: Expr) -> Expr:
    """(43)/(44): ``a_n - y_n``."""
    return softmax(row) - y[row]


def prove_eq44(rhs: Callable[[Expr], Expr] = rhs_eq44) -> Proof:
    """(43)/(44) for every class count: ``dJ/dz_n = a_n - y_n`` when ``sum_m y_m = 1``."""
    start = time.perf_counter()
    return _prove("(43)/(44)", "dJ/dz_n = a_n - y_n", [Range(n, n_classes)],
                  sp.diff(softmax_loss(), z[n]), rhs(n), start,
                  extra="y with sum_m y_m = 1; softmax head",
                  given={sp.Sum(y[m], (m, 1, n_classes)): 1})  # fmt: skip


def rhs_eq23(row: Expr) -> Expr:
    """(17)/(22)/(23): ``h'(z_n) (-y_n / a_n)``, ``a_n = h(z_n)``."""
    return Slope(z[row]) * (-y[row] / Activation(z[row]))


def prove_relu_head(rhs: Callable[[Expr], Expr] = rhs_eq23) -> Proof:
    """(17)/(23) per unit, for every class count: ``dJ/dz_n = h'(z_n) (-y_n / a_n)``."""
    start = time.perf_counter()
    J = -sp.Sum(y[m] * sp.log(Activation(z[m])), (m, 1, n_classes))  # (19) with (8)
    return _prove("(17)/(23)", "dJ/dz_n = h'(z_n) (-y_n / a_n)", [Range(n, n_classes)],
                  sp.diff(J, z[n]), rhs(n), start,
                  extra="h, y; ReLU head")  # fmt: skip


def kronecker_rule_proofs(widths: Sequence[int] = (1, 2, 3, 4)) -> list[Proof]:
    """The rewrite the proofs rest on, checked: ``sum_{q=1}^{n} f(q) [q = j]`` is SymPy's
    ``Piecewise((f(j), (j >= 1) & (j <= n)), (0, True))``, whose first condition is exactly
    ``1 <= j <= n``; and at each concrete n in ``widths``, for j = 0 .. n + 1, the sum written
    out term by term equals that Piecewise at (n, j): f(j) in range, 0 outside."""
    start = time.perf_counter()
    f = sp.Function("f")
    width = sp.Symbol("n", integer=True, positive=True)
    rule = sp.Sum(f(q) * sp.KroneckerDelta(q, j), (q, 1, width)).doit()
    shape = isinstance(rule, sp.Piecewise) and len(rule.args) == 2 and rule.args[1] == (0, True)
    exact = shape and _range_indices(rule.args[0][1], [Range(j, width)]) == (j,)
    concrete = all(
        sum(f(t) * sp.KroneckerDelta(t, at) for t in range(1, size + 1))
        == rule.subs({width: size, j: at})
        == (f(at) if 1 <= at <= size else 0)
        for size in widths
        for at in range(0, size + 2)
    )
    concretely = f"also n = {', '.join(map(str, widths))}, j = 0 .. n + 1"
    return [Proof("(rule)", "sum_q f(q) [q = j] = f(j) if 1 <= j <= n, else 0",
                  f"n any positive integer; {concretely}",
                  bool(exact and concrete), time.perf_counter() - start)]  # fmt: skip


# --- Cross-checks against the fixed-size networks of symbolic.py --------------------------------


Values = dict[Any, Callable[..., Any]]  # an indexed base -> its value at 1-based indices


def _instantiate(expr: Expr, widths: dict[Any, int], values: Values) -> Any:
    """``expr`` at concrete widths, its sums written out, each indexed symbol replaced by the
    fixed network's value (``values[base](*indices)``, indices 1-based as the derivation's).
    An index outside the network (a wrong right-hand side can name one) gives ``nan``, which no
    comparison proves equal."""

    def value(e: Any) -> Any:
        indices = [int(index) for index in e.indices]
        if min(indices) < 1:
            return sp.nan
        try:
            return values[e.base](*indices)
        except IndexError:
            return sp.nan

    written_out = expr.subs(widths).doit()
    return written_out.replace(lambda e: isinstance(e, sp.Indexed) and e.base in values, value)


def cross_check_proofs(sizes: Sequence[int] = (2, 3, 2)) -> list[Proof]:
    """Both sides of the symbolic-width identities at the widths of ``sizes``, written out,
    against the fixed network of :mod:`~manual_backprop.checks.symbolic` (softmax head, any h),
    every index in range:

    * (16) at each hidden layer l, with ``d`` = SymPy's ``delta^{l+1}`` there: our left and right
      sides are ``RHS["(16)"]`` and SymPy's ``delta^l``;
    * (26)-(31) at each layer, with ``D`` = SymPy's ``delta^l``: ``RHS["(26)"]``, ``RHS["(29)"]``
      and SymPy's own ``dJ/dW^l``, ``dJ/db^l``;
    * (42) with ``n_L`` the last width: ``RHS["(42)"]`` and SymPy's ``delta^L``.
    """
    net = network(sizes, "softmax")
    L = net.depth
    deltas = {l: net.delta(l) for l in range(1, L + 1)}
    where = f"widths of {'-'.join(map(str, sizes))} softmax, any h, against symbolic.network"

    def same(ours: list[Any], *theirs: list[Any]) -> bool:
        return all(is_zero(a - b) for other in theirs
                   for a, b in zip(ours, _flat(other), strict=True))  # fmt: skip

    found: list[Proof] = []
    start = time.perf_counter()
    ok = True
    for l in range(1, L):
        values: Values = {z_l: lambda r, l=l: net.z_at(l)[r - 1],
                          w_next: lambda r, c, l=l: net.W[l][r - 1][c - 1],
                          d: lambda r, l=l: deltas[l + 1][r - 1]}  # fmt: skip
        widths = {n_l: sizes[l], n_next: sizes[l + 1]}
        for side in (lhs_eq16, rhs_eq16):
            ours = [_instantiate(side(r), widths, values) for r in range(1, sizes[l] + 1)]
            ok = ok and same(ours, RHS["(16)"](net, l, deltas[l + 1]), deltas[l])
    found.append(Proof("(16)", "both sides at these widths = RHS['(16)'] = SymPy's delta^l",
                       where, ok, time.perf_counter() - start))  # fmt: skip
    start = time.perf_counter()
    ok = True
    for l in range(1, L + 1):
        values = {a_previous: lambda r, l=l: net.a_at(l - 1)[r - 1],
                  w_l: lambda r, c, l=l: net.W[l - 1][r - 1][c - 1],
                  b_l: lambda r, l=l: net.b[l - 1][r - 1],
                  D: lambda r, l=l: deltas[l][r - 1]}  # fmt: skip
        widths = {n_previous: sizes[l - 1], n_l: sizes[l]}
        cells = [(r, c) for r in range(1, sizes[l - 1] + 1) for c in range(1, sizes[l] + 1)]
        sympys_weights = [[net.at(sp.diff(net.J, w)) for w in row] for row in net.W[l - 1]]
        sympys_biases = [net.at(sp.diff(net.J, b)) for b in net.b[l - 1]]
        for weights, biases in ((lhs_eq26, lhs_eq29), (rhs_eq26, rhs_eq29)):
            ours_w = [_instantiate(weights(r, c), widths, values) for r, c in cells]
            ours_b = [_instantiate(biases(c), widths, values) for c in range(1, sizes[l] + 1)]
            ok = (ok and same(ours_w, RHS["(26)"](net, l, deltas[l]), sympys_weights)
                  and same(ours_b, RHS["(29)"](net, l, deltas[l]), sympys_biases))  # fmt: skip
    found.append(Proof("(26)-(31)", "both sides at these widths = RHS['(26)'], RHS['(29)'] = "
                       "SymPy's dJ/dW^l, dJ/db^l", where, ok,
                       time.perf_counter() - start))  # fmt: skip
    start = time.perf_counter()
    head: Values = {z: lambda r: net.z_at(L)[r - 1], y: lambda r: net.y[r - 1]}
    ok = True
    for side in (lambda r: sp.diff(softmax_loss(), z[r]), rhs_eq42):
        ours = [_instantiate(side(r), {n_classes: sizes[L]}, head) for r in range(1, sizes[L] + 1)]
        ok = ok and same(ours, RHS["(42)"](net), deltas[L])
    found.append(Proof("(42)", "both sides at n_L = the last width = RHS['(42)'] = SymPy's "
                       "delta^L", where, ok, time.perf_counter() - start))  # fmt: skip
    return found


def _flat(nest: Any) -> list[Any]:
    return [x for row in nest for x in row] if nest and isinstance(nest[0], list) else list(nest)


@lru_cache(maxsize=1)
def proofs() -> tuple[Proof, ...]:
    """Every identity proved for symbolic widths, in the derivation's order (about a second;
    run once per process): the rows ``proved (SymPy, any width)`` of ``manual-backprop verify``."""
    return (prove_eq16(), prove_eq26(), prove_eq26_through_eq16(), prove_eq29(),
            prove_relu_head(), prove_eq42(), prove_eq44())  # fmt: skip


@lru_cache(maxsize=1)
def supporting_proofs() -> tuple[Proof, ...]:
    """What :func:`proofs` rests on and ties to: the Kronecker rule, checked, and the
    cross-checks at widths 2 and 3 against :mod:`~manual_backprop.checks.symbolic`."""
    return (*kronecker_rule_proofs(), *cross_check_proofs())
