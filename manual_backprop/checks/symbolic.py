"""Proofs, in exact arithmetic, that the derivation's equations, as written here, are the
derivatives they claim (a transcription: the code that ships is proved in
:mod:`manual_backprop.checks.code_proof`).

SymPy builds the derivation's network with a symbol for every weight, bias, input and target, and
writes J as the derivation defines it: eqs. (19)/(18) for the ReLU head, (33)/(34) for the
softmax head. For each identity the right-hand side is written once, as the derivation states it
(:data:`RHS`), and compared with SymPy's own derivative of J, the left-hand side; the difference
must reduce to exactly 0 (:func:`is_zero`: over one denominator, its numerator expands to the
integer 0), not to a float near 0. What each proof covers is in its ``network`` field:

* The chain rule, eqs. (13)-(16) and (24)-(31), for **any** activation, on the networks 2-3-2-3
  (softmax and ReLU heads, B = 1) and 2-2-2-2-2 (ReLU head, deltas (13)-(16) only): ``h`` is an
  undefined function whose derivative is another undefined function ``h'``, so nothing about the
  ReLU is assumed. ``delta^l_n = dJ/dz^l_n`` is SymPy's derivative with respect to a perturbation
  ``e^l_n`` added to ``z^l_n`` (then set to 0). This is what the code proof cannot show: it runs
  the ReLU the code ships.
* The heads' own steps, (17)-(23) on a ReLU head of 3 units and (35)-(44) on a softmax of 3.
* Eq. (2) for the ReLU: on each side of 0, ``(sign(x) + 1) / 2`` is the derivative of
  ``max(0, x)``, and the symmetric difference quotient at 0 is exactly 1/2.
* The errata of ``docs/derivation.md`` are shown as counterexamples: the formula as the original
  prints it differs from the derivative at a concrete point, and the corrected one is proved.

Nothing here is numeric; :mod:`manual_backprop.checks.exact` evaluates the same quantities in
high precision at the example problems, to measure the code's true error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sympy as sp

__all__ = [
    "RHS",
    "Erratum",
    "Exp",
    "Network",
    "Proof",
    "errata",
    "is_zero",
    "network",
    "proofs",
]

Expr = Any  # a SymPy expression
Vector = list[Any]
Matrix = list[list[Any]]


class Activation(sp.Function):
    """``h``: any activation, differentiable, otherwise unknown; its derivative is ``h'``."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> Expr:
        return Slope(self.args[0])


class Slope(sp.Function):
    """``h'``, the derivative of :class:`Activation`: an unknown function of its own."""

    nargs = 1


class Exp(sp.Function):
    """``exp``, as the function that is its own derivative: ``exp(u) exp(u)`` stays a power of
    one atom instead of becoming ``exp(2u)``, so that :func:`is_zero` can treat each exponential
    as one unknown."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> Expr:
        return Exp(self.args[0])


def is_zero(expr: Expr) -> bool:
    """True when ``expr`` is exactly 0 as a rational function.

    Every ``h(...)``, ``h'(...)`` and ``exp(...)`` in it is first replaced by a fresh symbol of
    its own. That can only lose relations between them, never invent one: if the result is 0 for
    every value of the fresh symbols, it is 0 for the values they stand for. Then the numerator
    of the expression over one denominator (``together``) must expand to the integer 0 (4-5x
    faster here than ``cancel(expand(...))``, and as exact).
    """
    atoms = expr.atoms(Activation, Slope, Exp)
    generic = expr.xreplace({atom: sp.Dummy() for atom in atoms})
    numerator, _ = sp.fraction(sp.together(generic))
    return bool(sp.expand(numerator) == 0)


# --- The network, as the derivation defines it ---------------------------------------------------


@dataclass(frozen=True)
class Network:
    """The derivation's network in symbols: eqs. (3)-(8) or (34), and J by (19) or (33).

    ``W[l-1][m][n]`` is ``w^l_mn`` (m in layer l-1, n in layer l), ``b[l-1][n]`` is ``b^l_n``;
    ``z[l-1][n]`` and ``a[l][n]`` are the pre-activations and activations (``a[0]`` is x), each
    ``z`` carrying a perturbation ``e[l-1][n]`` that :meth:`at` sets to 0. ``h`` and ``slope``
    give each unit's activation and its derivative.
    """

    sizes: tuple[int, ...]
    output: str
    x: Vector
    y: Vector
    W: list[Matrix]
    b: list[Vector]
    e: list[Vector]
    z: list[Vector]
    a: list[Vector]
    J: Expr
    h: Callable[[int, int, Expr], Expr]
    slope: Callable[[int, int, Expr], Expr]

    @property
    def depth(self) -> int:
        """L, the number of layers with weights."""
        return len(self.sizes) - 1

    def at(self, expr: Expr) -> Expr:
        """``expr`` at the point itself: every perturbation ``e^l_n`` set to 0."""
        return expr.xreplace({e: 0 for layer in self.e for e in layer})

    def delta(self, l: int) -> Vector:
        """SymPy's ``delta^l_n = dJ/dz^l_n``, the left-hand side of (16), (23), (42), (44)."""
        return [self.at(sp.diff(self.J, e)) for e in self.e[l - 1]]

    def z_at(self, l: int) -> Vector:
        return [self.at(z) for z in self.z[l - 1]]

    def a_at(self, l: int) -> Vector:
        return [self.at(a) for a in self.a[l]]


def _any_h(l: int, n: int, z: Expr) -> Expr:
    return Activation(z)


def _any_slope(l: int, n: int, z: Expr) -> Expr:
    return Slope(z)


def network(
    sizes: Sequence[int],
    output: str = "softmax",
    *,
    h: Callable[[int, int, Expr], Expr] = _any_h,
    slope: Callable[[int, int, Expr], Expr] = _any_slope,
    tag: str = "",
    real: bool = True,
) -> Network:
    """Build the network of ``sizes`` with the given head, activation and its derivative.

    ``real=False`` makes symbols without assumptions: SymPy then spends no time inferring signs
    (:mod:`~manual_backprop.checks.code_proof` decides every sign from its activation pattern).
    """
    L = len(sizes) - 1

    def symbols(name: str, count: int) -> Vector:
        return list(sp.symbols(f"{name}{tag}_0:{count}", real=real))

    x, y = symbols("x", sizes[0]), symbols("y", sizes[L])
    W = [
        [list(sp.symbols(f"w{l}_{m}_0:{sizes[l]}", real=real)) for m in range(sizes[l - 1])]
        for l in range(1, L + 1)
    ]
    b = [list(sp.symbols(f"b{l}_0:{sizes[l]}", real=real)) for l in range(1, L + 1)]
    e = [symbols(f"e{l}", sizes[l]) for l in range(1, L + 1)]
    z: list[Vector] = []
    a: list[Vector] = [x]
    for l in range(1, L + 1):
        z_l = [
            sum(W[l - 1][m][n] * a[l - 1][m] for m in range(sizes[l - 1]))  # (3), (5), (7)
            + b[l - 1][n]
            + e[l - 1][n]
            for n in range(sizes[l])
        ]
        if l < L or output == "relu":
            a_l = [h(l, n, z_n) for n, z_n in enumerate(z_l)]  # (4), (6), (8)
        else:
            total = sum(Exp(z_m) for z_m in z_l)
            a_l = [Exp(z_n) / total for z_n in z_l]  # (34)
        z.append(z_l)
        a.append(a_l)
    J = -sum(y_m * sp.log(a_m) for y_m, a_m in zip(y, a[L]))  # (19), (33)
    return Network(tuple(sizes), output, x, y, W, b, e, z, a, J, h, slope)


# --- The right-hand sides, each written once as the derivation states it ------------------------


def rhs_output_relu(net: Network) -> Vector:
    """(17)/(22)/(23): ``delta^L_n = h'(z^L_n) (-y_n / a^L_n)``."""
    z, a, L = net.z_at(net.depth), net.a_at(net.depth), net.depth
    return [net.slope(L, n, z[n]) * (-net.y[n] / a[n]) for n in range(len(z))]


def rhs_output_softmax(net: Network) -> Vector:
    """(42): ``delta_n = a_n sum_m y_m - y_n``, for any targets."""
    a = net.a_at(net.depth)
    return [a[n] * sum(net.y) - net.y[n] for n in range(len(a))]


def rhs_output_normalised(net: Network) -> Vector:
    """(43)/(44): ``delta = a - y``, for targets that sum to 1."""
    a = net.a_at(net.depth)
    return [a[n] - net.y[n] for n in range(len(a))]


def rhs_recursion(net: Network, l: int, delta_next: Vector) -> Vector:
    """(15)/(16), (24), (25): ``delta^l = h'(z^l) . (W^(l+1) delta^(l+1))``, elementwise."""
    z, W = net.z_at(l), net.W[l]  # W^(l+1)[n][m]
    return [
        net.slope(l, n, z[n]) * sum(W[n][m] * delta_next[m] for m in range(len(delta_next)))
        for n in range(len(z))
    ]


def rhs_weight_gradient(net: Network, l: int, delta: Vector) -> Matrix:
    """(11), (26)-(28): ``dJ/dw^l_mn = a^(l-1)_m delta^l_n``, the outer product."""
    a_previous = net.a_at(l - 1)
    return [[a_m * d_n for d_n in delta] for a_m in a_previous]


def rhs_bias_gradient(net: Network, l: int, delta: Vector) -> Vector:
    """(12), (29)-(31): ``dJ/db^l_n = delta^l_n``."""
    return list(delta)


def rhs_link(net: Network, l: int) -> Matrix:
    """(14): ``dz^(l+1)_m / dz^l_n = w^(l+1)_nm h'(z^l_n)``, as ``[n][m]``."""
    z, W = net.z_at(l), net.W[l]
    return [[W[n][m] * net.slope(l, n, z[n]) for m in range(len(W[n]))] for n in range(len(z))]


#: Each right-hand side, by the derivation's number; the proofs look them up here, so a test
#: can put a wrong one in and watch the proof fail.
RHS: dict[str, Callable[..., Any]] = {
    "(23)": rhs_output_relu,
    "(42)": rhs_output_softmax,
    "(44)": rhs_output_normalised,
    "(16)": rhs_recursion,
    "(26)": rhs_weight_gradient,
    "(29)": rhs_bias_gradient,
    "(14)": rhs_link,
}


# --- The proofs --------------------------------------------------------------------------------


#: The oracle label of a proof of the derivation's equations as written here (:data:`RHS`).
TRANSCRIPTION = "proved (SymPy, transcription)"


@dataclass(frozen=True)
class Proof:
    """One identity: proved when every difference LHS - RHS reduced to exactly 0.

    ``network`` says what it was proved on (sizes, head, batch size, patterns); ``oracle`` what
    was proved, the label of its verify row: :data:`TRANSCRIPTION` for the equations written in
    this module, ``"proved (SymPy, shipping code)"`` for the code that ships
    (:mod:`manual_backprop.checks.code_proof`), ``"proved (SymPy, any width)"`` for the layer
    lemma with the widths as symbols (:mod:`manual_backprop.checks.layer_lemma`).
    """

    equation: str
    statement: str
    network: str
    proved: bool
    seconds: float
    oracle: str = TRANSCRIPTION


def _differences(left: Any, right: Any) -> list[Expr] | None:
    """Entrywise ``left - right`` of two equal-shaped nests of lists; None if the shapes differ."""
    if isinstance(left, list) != isinstance(right, list):
        return None
    if not isinstance(left, list):
        return [left - right]
    if len(left) != len(right):
        return None
    out: list[Expr] = []
    for l_item, r_item in zip(left, right):
        found = _differences(l_item, r_item)
        if found is None:
            return None
        out += found
    return out


def _prove(equation: str, statement: str, where: str, left: Any, right: Any, start: float) -> Proof:
    differences = _differences(left, right)
    proved = differences is not None and all(is_zero(d) for d in differences)
    return Proof(equation, statement, where, proved, time.perf_counter() - start)


def _name(net: Network, what: str = "") -> str:
    sizes = "-".join(map(str, net.sizes))
    return f"{sizes} {net.output}, B = 1, {what or 'any h'}"


def _weights_lhs(net: Network, l: int) -> Matrix:
    return [[net.at(sp.diff(net.J, w)) for w in row] for row in net.W[l - 1]]


def _bias_lhs(net: Network, l: int) -> Vector:
    return [net.at(sp.diff(net.J, b)) for b in net.b[l - 1]]


def _derivation_deltas(net: Network, output_rhs: str) -> dict[int, Vector]:
    """Every delta by the derivation alone: the head's (23)/(42)/(44), then (16) down."""
    deltas = {net.depth: RHS[output_rhs](net)}
    for l in range(net.depth - 1, 0, -1):
        deltas[l] = RHS["(16)"](net, l, deltas[l + 1])
    return deltas


def chain_rule_proofs(
    net: Network, output_rhs: str, what: str = "", *, gradients: bool = True
) -> list[Proof]:
    """(13)-(16) with SymPy's deltas, the head's delta, and (24)-(31) with the derivation's
    (unless ``gradients`` is False)."""
    where = _name(net, what)
    proofs: list[Proof] = []
    start = time.perf_counter()
    sympy_deltas = {l: net.delta(l) for l in range(1, net.depth + 1)}  # SymPy's dJ/dz^l, once each
    output_delta = sympy_deltas[net.depth]
    proofs.append(
        _prove(output_rhs, f"delta^{net.depth} = dJ/dz^{net.depth}", where,
               output_delta, RHS[output_rhs](net), start)
    )  # fmt: skip
    for l in range(net.depth - 1, 0, -1):
        start = time.perf_counter()
        links = [[net.at(sp.diff(z_m, e_n)) for z_m in net.z[l]] for e_n in net.e[l - 1]]
        proofs.append(
            _prove("(14)", f"dz^{l + 1}_m/dz^{l}_n = w^{l + 1}_nm h'(z^{l}_n)", where,
                   links, RHS["(14)"](net, l), start)
        )  # fmt: skip
        start = time.perf_counter()
        delta_l, delta_next = sympy_deltas[l], sympy_deltas[l + 1]
        chain = [sum(d * link for d, link in zip(delta_next, row)) for row in links]
        proofs.append(
            _prove("(13)", f"delta^{l}_n = sum_m delta^{l + 1}_m dz^{l + 1}_m/dz^{l}_n", where,
                   delta_l, chain, start)
        )  # fmt: skip
        start = time.perf_counter()
        proofs.append(
            _prove("(16)", f"delta^{l} = h'(z^{l}) . (W^{l + 1} delta^{l + 1})", where,
                   delta_l, RHS["(16)"](net, l, delta_next), start)
        )  # fmt: skip
    deltas = _derivation_deltas(net, output_rhs)
    for l in range(net.depth, 0, -1) if gradients else ():
        number = {3: ("(26)", "(29)"), 2: ("(27)", "(30)"), 1: ("(28)", "(31)")}
        w_eq, b_eq = number[l] if net.depth == 3 else ("(26)-(28)", "(29)-(31)")
        start = time.perf_counter()
        proofs.append(
            _prove(w_eq, f"dJ/dW^{l} = a^{l - 1} (delta^{l})^T", where,
                   _weights_lhs(net, l), RHS["(26)"](net, l, deltas[l]), start)
        )  # fmt: skip
        start = time.perf_counter()
        proofs.append(
            _prove(b_eq, f"dJ/db^{l} = delta^{l}", where,
                   _bias_lhs(net, l), RHS["(29)"](net, l, deltas[l]), start)
        )  # fmt: skip
    return proofs


def softmax_head_proofs() -> list[Proof]:
    """(35)-(44) on the softmax of independent logits: every step of section 6."""
    where = "softmax of 3"
    n = 3
    z, y = sp.symbols("z_0:3", real=True), sp.symbols("y_0:3", real=True)
    total = sum(Exp(z_m) for z_m in z)
    a = [Exp(z_m) / total for z_m in z]  # (34)
    a_free = sp.symbols("a_0:3", positive=True)
    J_of_a = -sum(y_m * sp.log(a_m) for y_m, a_m in zip(y, a_free))  # (33)
    J = -sum(y_m * sp.log(a_m) for y_m, a_m in zip(y, a))
    proofs = []
    start = time.perf_counter()
    proofs.append(
        _prove("(37)", "dJ/da_n = -y_n / a_n", where,
               [sp.diff(J_of_a, a_n) for a_n in a_free],
               [-y_n / a_n for y_n, a_n in zip(y, a_free)], start)
    )  # fmt: skip
    start = time.perf_counter()
    jacobian = [[sp.diff(a[m], z[k]) for k in range(n)] for m in range(n)]
    proofs.append(
        _prove("(38)", "da_n/dz_n = a_n (1 - a_n)", where,
               [jacobian[k][k] for k in range(n)], [a[k] * (1 - a[k]) for k in range(n)], start)
    )  # fmt: skip
    start = time.perf_counter()
    off = [(m, k) for m in range(n) for k in range(n) if m != k]
    proofs.append(
        _prove("(40)", "da_m/dz_n = -a_m a_n, m != n", where,
               [jacobian[m][k] for m, k in off], [-a[m] * a[k] for m, k in off], start)
    )  # fmt: skip
    dJ_da = [-y_m / a_m for y_m, a_m in zip(y, a)]  # (37) at a = softmax(z)
    start = time.perf_counter()
    proofs.append(
        _prove("(41)", "(dJ/da_m)(da_m/dz_n) = y_m a_n, m != n", where,
               [dJ_da[m] * jacobian[m][k] for m, k in off], [y[m] * a[k] for m, k in off], start)
    )  # fmt: skip
    delta = [sp.diff(J, z_k) for z_k in z]
    start = time.perf_counter()
    proofs.append(
        _prove("(35)/(36)", "delta_n = sum_m (dJ/da_m)(da_m/dz_n)", where, delta,
               [sum(dJ_da[m] * jacobian[m][k] for m in range(n)) for k in range(n)], start)
    )  # fmt: skip
    start = time.perf_counter()
    proofs.append(
        _prove("(39)", "delta_n = sum_(m!=n) ... - y_n (1 - a_n)", where, delta,
               [sum(dJ_da[m] * jacobian[m][k] for m in range(n) if m != k) - y[k] * (1 - a[k])
                for k in range(n)], start)
    )  # fmt: skip
    head = network((1, n), "softmax")  # the head alone: z = w x + b + e, any targets
    start = time.perf_counter()
    proofs.append(
        _prove("(42)", "delta_n = a_n sum_m y_m - y_n", where,
               head.delta(1), RHS["(42)"](head), start)
    )  # fmt: skip
    start = time.perf_counter()
    normalised = {head.y[-1]: 1 - sum(head.y[:-1])}  # targets that sum to 1
    proofs.append(
        _prove("(43)/(44)", "delta = a - y when sum(y) = 1", where,
               [d.subs(normalised) for d in head.delta(1)],
               [r.subs(normalised) for r in RHS["(44)"](head)], start)
    )  # fmt: skip
    return proofs


def relu_head_proofs() -> list[Proof]:
    """(20)-(23) on the ReLU head of independent pre-activations, for any h."""
    where = "ReLU head of 3, any h"
    z = sp.symbols("z_0:3", real=True)
    y = sp.symbols("y_0:3", real=True)
    a_free = sp.symbols("a_0:3", positive=True)
    start = time.perf_counter()
    J_of_a = -sum(y_m * sp.log(a_m) for y_m, a_m in zip(y, a_free))  # (19)
    proof_21 = _prove("(21)", "dJ/da_n = -y_n / a_n", where,
                      [sp.diff(J_of_a, a_n) for a_n in a_free],
                      [-y_n / a_n for y_n, a_n in zip(y, a_free)], start)  # fmt: skip
    start = time.perf_counter()
    J = -sum(y_m * sp.log(Activation(z_m)) for y_m, z_m in zip(y, z))
    delta = [Slope(z_n) * (-y_n / Activation(z_n)) for y_n, z_n in zip(y, z)]  # (17)/(22)
    proof_23 = _prove("(17)/(22)", "delta_n = h'(z_n) (-y_n / a_n)", where,
                      [sp.diff(J, z_n) for z_n in z], delta, start)  # fmt: skip
    return [proof_21, proof_23]


def relu_slope_proofs() -> list[Proof]:
    """(2)/(32) for the ReLU: the slope on each side of 0, and exactly 1/2 at the kink."""
    where = "ReLU"
    x, t = sp.Symbol("x", real=True), sp.Symbol("t", positive=True)
    relu = sp.Max(0, x)
    slope = (sp.sign(x) + 1) / 2  # (2)
    proofs = []
    for side, value in (("x > 0", sp.Symbol("p", positive=True)),
                        ("x < 0", -sp.Symbol("p", positive=True))):  # fmt: skip
        start = time.perf_counter()
        derivative = sp.diff(relu, x).subs(x, value)
        proofs.append(_prove("(2)", f"h'(x) = (sign(x) + 1)/2 for {side}", where,
                             sp.simplify(derivative), slope.subs(x, value), start))  # fmt: skip
    start = time.perf_counter()
    quotient = (relu.subs(x, t) - relu.subs(x, -t)) / (2 * t)
    proofs.append(
        _prove("(2)", "(h(t) - h(-t))/2t = 1/2 = (sign(0) + 1)/2", where,
               [sp.simplify(quotient), sp.limit(quotient, t, 0, "+")],
               [slope.subs(x, 0), slope.subs(x, 0)], start)
    )  # fmt: skip
    return proofs


@lru_cache(maxsize=1)
def proofs() -> tuple[Proof, ...]:
    """The proofs of the equations as written here, in the derivation's order (a few seconds;
    run once per process): (2) for the ReLU; the chain rule for any h on 2-3-2-3 (both heads)
    and 2-2-2-2-2 (ReLU head, deltas only); the heads' steps (17)-(23) and (35)-(44).

    The ReLU network's activation patterns, the batch and section 1.5 are proved on the code
    itself (:mod:`manual_backprop.checks.code_proof`)."""
    found: list[Proof] = []
    found += relu_slope_proofs()
    found += chain_rule_proofs(network((2, 3, 2, 3), "relu"), "(23)")
    found += chain_rule_proofs(network((2, 3, 2, 3), "softmax"), "(42)")
    found += chain_rule_proofs(network((2, 2, 2, 2, 2), "relu"), "(23)", gradients=False)
    found += relu_head_proofs()
    found += softmax_head_proofs()
    return tuple(found)


# --- The errata, as counterexamples ------------------------------------------------------------


@dataclass(frozen=True)
class Erratum:
    """An erratum of docs/derivation.md: the printed formula differs from the true value at
    ``point``; the corrected formula is proved equal."""

    number: int
    where: str
    printed: str
    corrected: str
    point: dict[str, Any]
    printed_value: Any
    true_value: Any
    corrected_proved: bool

    @property
    def refuted(self) -> bool:
        return bool(sp.simplify(self.printed_value - self.true_value) != 0)


def errata() -> list[Erratum]:
    """Errata 1, 2, 4 and 5 of docs/derivation.md as counterexamples, with the corrections."""
    net = network((2, 2, 2, 2), "softmax")
    found = []
    # 1, eq. (3): the original sums w^(1)_im X with no index on X; read X as one input, x_0.
    z_true = net.z_at(1)[0]
    z_printed = sum(net.W[0][m][0] * net.x[0] for m in range(2)) + net.b[0][0]
    point = {str(s): v for s, v in ((net.x[0], 1), (net.x[1], 2), (net.W[0][0][0], 1),
                                    (net.W[0][1][0], 1), (net.b[0][0], 0))}  # fmt: skip
    values = {sp.Symbol(k, real=True): v for k, v in point.items()}
    found.append(Erratum(
        1, "(3)", "z^1_n = sum_i w^1_in X", "z^1_n = sum_m w^1_mn x_m + b^1_n", point,
        z_printed.subs(values), z_true.subs(values),
        is_zero(z_true - (sum(net.W[0][m][0] * net.x[m] for m in range(2)) + net.b[0][0])),
    ))  # fmt: skip
    # 2, before (14): the next layer's bias printed as b^(l)_m: then dJ/db^(l+1)_m is 0, not delta.
    net = network((2, 2, 2, 2), "relu")  # at a point where every unit is active: rational values
    J_printed = net.J.xreplace({net.b[1][0]: net.b[0][0]})  # z^2_0 takes b^1_0 instead of b^2_0
    dJ_db_printed = net.at(sp.diff(J_printed, net.b[1][0]))
    dJ_db_true = net.at(sp.diff(net.J, net.b[1][0]))
    point2 = _generic_point(net)
    found.append(Erratum(
        2, "before (14)", "z^(l+1)_m = sum_i w^(l+1)_im a^l_i + b^(l)_m",
        "... + b^(l+1)_m, so dJ/db^(l+1)_m = delta^(l+1)_m", _named(point2),
        dJ_db_printed.subs(point2), _evaluate(dJ_db_true, point2),
        is_zero(dJ_db_true - _derivation_deltas(net, "(23)")[2][0]),
    ))  # fmt: skip
    # 4, (16): h'(z^l) . W^(l+1) delta^(l+1) read as a dot product, one number for every unit.
    deltas = _derivation_deltas(net, "(23)")
    z1, W2 = net.z_at(1), net.W[1]
    product = [sum(W2[n][m] * deltas[2][m] for m in range(2)) for n in range(2)]
    dot = sum(net.slope(1, n, z1[n]) * product[n] for n in range(2))
    found.append(Erratum(
        4, "(16)", "delta^l = h'(z^l) . W^(l+1) delta^(l+1), a dot product",
        "the first product elementwise", _named(point2),
        _evaluate(dot, point2), _evaluate(net.delta(1)[0], point2),
        is_zero(net.delta(1)[0] - RHS["(16)"](net, 1, deltas[2])[0]),
    ))  # fmt: skip
    # 5, (37): the middle step without the minus sign.
    y_n, a_n = sp.Symbol("y_n", positive=True), sp.Symbol("a_n", positive=True)
    J_term = -y_n * sp.log(a_n)
    found.append(Erratum(
        5, "(37)", "dJ/da_n = d(y_n ln a_n)/da_n = y_n / a_n", "dJ/da_n = -y_n / a_n",
        {"y_n": 1, "a_n": sp.Rational(1, 2)},
        (y_n / a_n).subs({y_n: 1, a_n: sp.Rational(1, 2)}),
        sp.diff(J_term, a_n).subs({y_n: 1, a_n: sp.Rational(1, 2)}),
        is_zero(sp.diff(J_term, a_n) + y_n / a_n),
    ))  # fmt: skip
    return found


def _generic_point(net: Network) -> dict[Any, Any]:
    """A concrete point: small distinct rationals for every symbol, h = tanh-free stand-ins.

    ``h`` and ``h'`` are unknown functions; at the point they are replaced by the ReLU's values
    on the positive side (h(z) = z, h'(z) = 1), enough to exhibit a difference.
    """
    symbols = [*net.x, *net.y, *(w for layer in net.W for row in layer for w in row),
               *(b for layer in net.b for b in layer)]  # fmt: skip
    return {s: sp.Rational(i + 1, 7) for i, s in enumerate(symbols)}


def _evaluate(expr: Expr, point: dict[Any, Any]) -> Any:
    """``expr`` at ``point`` with h(z) = z and h'(z) = 1 (a ReLU where every unit is active)."""
    concrete = expr.replace(Activation, lambda z: z).replace(Slope, lambda z: sp.Integer(1))
    return sp.nsimplify(concrete.xreplace(point))


def _named(point: dict[Any, Any]) -> dict[str, Any]:
    return {str(k): v for k, v in point.items()}
