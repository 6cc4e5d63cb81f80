"""Proofs of the code that ships: the unmodified equations run on symbols, against SymPy.

:mod:`manual_backprop.checks.symbolic_array` gives the shipping functions an array library of
SymPy expressions. Here :func:`~manual_backprop.algorithm.backpropagate`,
:func:`~manual_backprop.forward.forward`, :func:`~manual_backprop.algorithm.deltas`,
:func:`~manual_backprop.algorithm.gradients` and
:func:`~manual_backprop.algorithm.gradients_per_example` run on a network whose every weight,
bias, input and (soft or unnormalised) target is a symbol, and each output is compared with
SymPy's own derivative of J, built from the forward definition
(:func:`manual_backprop.checks.symbolic.network`); the difference must reduce to exactly 0
(:func:`manual_backprop.checks.symbolic.is_zero`).

The ReLU is not differentiable everywhere, so each proof holds on one **activation pattern**:
each hidden unit of each example strictly positive, strictly negative or exactly 0 (and, for the
ReLU head, each output unit strictly positive, where J is finite). On a pattern of strict signs
the network is ``z`` or ``0`` unit by unit, SymPy differentiates it as it is, and the code's
comparisons are decided by the same signs; the identity then holds at every point of the open
region where the pattern holds. A pair of patterns that gives one pre-activation two signs has
no such point and raises :class:`ContradictoryPatternsError`; other empty regions (a proof there
holds vacuously) are not detected.

At an exact 0 (a kink) J has no derivative. There the unit's bias is solved for (``b^l_n`` set
so that ``z^l_n = 0`` for example 0) and the code's gradient is compared with the **one-sided**
derivatives, those of the adjacent patterns with the unit on and with it off: each is affine in
the unit's slope (every path through the unit carries it once), so ``h'(0) = 1/2`` (eq. 2) gives
exactly their mean, and ``h'(0) = 0`` (``relu_grad_at_zero=0``, PyTorch's) the derivative of the
side where the unit is off. With k units at 0 the code's 1/2 is the mean over the 2^k adjacent
patterns.

What is proved, and on what, is in each :class:`~manual_backprop.checks.symbolic.Proof`'s
``network`` field, and in the table of ``docs/verification.md``
(:mod:`manual_backprop.checks.proof_table`).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

import manual_backprop.algorithm as algorithm
from manual_backprop.checks import symbolic_array as sa
from manual_backprop.checks.symbolic import Exp, Network, Proof, is_zero, network
from manual_backprop.forward import forward
from manual_backprop.params import Params

__all__ = [
    "SHIPPING_CODE",
    "Case",
    "code_proofs",
    "kink_proofs",
    "pattern_proofs",
    "per_example_proofs",
    "prove_case",
]

#: The oracle label of a proof of the shipping code.
SHIPPING_CODE = "proved (SymPy, shipping code)"
#: The original's network (section 1): 2 inputs, hidden layers of 3 and 2, 3 outputs.
SIZES = (2, 3, 2, 3)
TARGET_KINDS = ("one-hot", "soft", "unnormalised")

Pattern = tuple[int, ...]  # one sign (1, -1 or 0) per hidden unit of one example, layer by layer


def hidden_units(sizes: Sequence[int]) -> list[tuple[int, int]]:
    """``(l, n)`` of every hidden unit, layer 1 first."""
    return [(l, n) for l in range(1, len(sizes) - 1) for n in range(sizes[l])]


def strict_patterns(sizes: Sequence[int] = SIZES) -> list[Pattern]:
    """Every pattern of strictly signed hidden units of one example (32 on 2-3-2-3)."""
    return list(itertools.product((1, -1), repeat=len(hidden_units(sizes))))


@dataclass(frozen=True)
class Case:
    """One symbolic run: a head, a kind of targets, one pattern per example, h'(0)."""

    output: str
    targets: str
    patterns: tuple[Pattern, ...]
    sizes: tuple[int, ...] = SIZES
    relu_grad_at_zero: float = 0.5

    @property
    def batch_size(self) -> int:
        return len(self.patterns)


# --- the forward definition on a pattern ------------------------------------------------------


def _targets(case: Case, i: int, y: list[Any]) -> tuple[dict[Any, Any], dict[Any, int]]:
    """The targets of example i as a substitution for the network's ``y``, and their signs.

    one-hot: class ``i mod n_L`` (concrete 0 and 1); soft: positive symbols ``p`` with the last
    ``1 - sum(p)`` > 0 (eq. 44's case); unnormalised: positive symbols, any sum (eq. 42).
    """
    n = len(y)
    if case.targets == "one-hot":
        return {y_k: sp.Integer(int(k == i % n)) for k, y_k in enumerate(y)}, {}
    p = list(sp.symbols(f"p_{i}_0:{n}"))
    if case.targets == "unnormalised":
        return dict(zip(y, p)), {p_k: 1 for p_k in p}
    last = 1 - sum(p[:-1])
    return {**dict(zip(y[:-1], p[:-1])), y[-1]: last}, {**{p_k: 1 for p_k in p[:-1]}, last: 1}


def _example(case: Case, i: int, sides: dict[tuple[int, int], int]) -> Network:
    """Example i's network with each hidden unit ``z`` (on) or ``0`` (off) by ``sides``."""

    def h(l: int, n: int, z: Any) -> Any:
        if l == len(case.sizes) - 1:
            return z  # the ReLU head's output units, all strictly positive
        return z if sides[(l, n)] > 0 else sp.Integer(0)

    return network(case.sizes, case.output, h=h, tag=f"_{i}", real=False)


def _logs_split(expr: Any) -> Any:
    """``ln(Exp(z) / T)`` as ``z - ln T``, an identity for real z and T > 0
    (:func:`~manual_backprop.checks.symbolic_array.log_normal`): the same J, cheaper to
    differentiate."""
    return expr.xreplace({log: sa.log_normal(log.args[0]) for log in expr.atoms(sp.log)})


def _normal(expr: Any) -> Any:
    """The definition in the symbolic library's normal form: each Exp's argument expanded,
    each log of a quotient split (:func:`~manual_backprop.checks.symbolic_array.exp_normal`,
    :func:`~manual_backprop.checks.symbolic_array.log_normal`)."""
    expr = expr.xreplace({e: sa.exp_normal(e.args[0]) for e in expr.atoms(Exp)})
    return _logs_split(expr)


@dataclass
class Definition:
    """The forward definition of one case on one choice of sides, J and its point."""

    nets: list[Network]
    J: Any  # J summed over the examples, eq. (18), perturbations e kept, targets substituted
    bias_point: dict[Any, Any]  # each b^l_n in terms of example 0's pre-activation s^l_n
    signs: dict[Any, int]  # the hypotheses: s^l_n or expanded z^l_n (and targets) -> sign


def pre_activation_symbols(case: Case) -> list[list[Any]]:
    """``s^l_n``: example 0's pre-activations, the coordinates that replace its biases."""
    return [list(sp.symbols(f"s{l}_0:{n}"))
            for l, n in enumerate(case.sizes[1:], start=1)]  # fmt: skip


def _definition(case: Case, sides_per_example: Sequence[dict[tuple[int, int], int]],
                point: dict[Any, Any] | None = None) -> Definition:  # fmt: skip
    """The examples' networks and J; each bias solved for so that example 0's ``z^l_n`` is
    ``s^l_n`` (0 for a unit at exactly 0).

    ``b -> s - (sum_m w a)`` is one-to-one for given W and x, so a proof for every s with the
    pattern's signs is a proof for every b where example 0 has that pattern. In these
    coordinates example 0's pre-activations are symbols, and the expressions stay small.
    """
    nets, J = [], sp.Integer(0)
    signs: dict[Any, int] = {}
    for i, sides in enumerate(sides_per_example):
        net = _example(case, i, sides)
        substitution, target_signs = _targets(case, i, net.y)
        signs.update(target_signs)
        J += _logs_split(net.J.xreplace(substitution))
        nets.append(net)
    units = hidden_units(case.sizes)
    s = pre_activation_symbols(case)
    if point is None:
        point = {}
        first = nets[0]
        for l in range(1, len(case.sizes)):
            for n in range(case.sizes[l]):
                zero = l < len(case.sizes) - 1 and case.patterns[0][units.index((l, n))] == 0
                b = first.b[l - 1][n]
                z = first.at(first.z[l - 1][n]).xreplace(point)
                point[b] = (0 if zero else s[l - 1][n]) - (z - b)
    for i, net in enumerate(nets):
        pattern = case.patterns[i]
        for k, (l, n) in enumerate(units):
            key = sp.expand(net.at(net.z[l - 1][n]).xreplace(point))
            if key.is_Number:
                if key != 0 or pattern[k] != 0:
                    raise ValueError(f"example {i}: z^{l}_{n} is the number {key}")
                continue
            _hypothesis(signs, key, pattern[k], i)
        if case.output == "relu":  # every output unit strictly positive: J finite
            for n in range(case.sizes[-1]):
                _hypothesis(signs, sp.expand(net.at(net.z[-1][n]).xreplace(point)), 1, i)
    return Definition(nets, J, point, signs)


def _hypothesis(signs: dict[Any, int], key: Any, sign: int, example: int) -> None:
    """Add ``sign(key) = sign``; two opposite signs for one pre-activation: no such point."""
    for known, value in ((key, sign), (-key, -sign)):
        if signs.get(known, value) != value:
            raise ContradictoryPatternsError(f"example {example}: {key} cannot have two signs")
    signs[key] = sign


class ContradictoryPatternsError(ValueError):
    """The patterns contradict each other (two examples share a pre-activation): no point."""


# --- the code on symbols ------------------------------------------------------------------


@dataclass
class Inputs:
    params: Params
    X: Any
    Y: Any


def _inputs(case: Case, definition: Definition) -> Inputs:
    first = definition.nets[0]
    weights = [sa.array(W) for W in first.W]
    biases = [sa.array([b.xreplace(definition.bias_point) for b in layer]) for layer in first.b]
    X = sa.array([net.x for net in definition.nets])
    rows = []
    for i, net in enumerate(definition.nets):
        substitution, _ = _targets(case, i, net.y)
        rows.append([substitution[y] for y in net.y])
    return Inputs(Params(weights, biases), X, sa.array(rows))


def _differences(code: Any, expected: Any) -> list[Any]:
    """Entrywise differences of a symbolic array and a nest of lists; for shapes that differ,
    one difference that is not 0."""
    entries = code.entries if isinstance(code, sa.SymbolicArray) else np.asarray(code, object)
    wanted = np.asarray(expected, dtype=object)
    if entries.shape != wanted.shape:
        return [sp.Symbol("shape_mismatch")]
    return [a - b for a, b in zip(entries.ravel(), wanted.ravel())]


@dataclass
class Outcome:
    """Which parts of one case were proved (True) or not (False), by part name."""

    parts: dict[str, bool]

    @property
    def proved(self) -> bool:
        return all(self.parts.values())


def _expected(definition: Definition, case: Case, parts: Sequence[str]) -> dict[str, Any]:
    """SymPy's derivatives of J in the parameters W and b, at the point: every dJ/dW^l,
    dJ/db^l and dJ/dz^l, and every Z^l, A^l and J, in the symbolic library's normal form.

    Each partial derivative is SymPy's ``d/dt_k J(theta + t)`` at t = 0, one step ``t_k`` per
    parameter, the point substituted for the parameters themselves: the definition of
    dJ/dtheta_k, on an expression that stays small because example 0's pre-activations are the
    symbols ``s`` there.
    """
    nets, J = definition.nets, definition.J
    unperturbed = {e: 0 for net in nets for layer in net.e for e in layer}
    point = definition.bias_point
    J0 = J.xreplace(unperturbed)
    first = nets[0]
    parameters = [*(w for W in first.W for row in W for w in row), *(b for v in first.b for b in v)]
    steps = {theta: sp.Dummy(f"t_{theta}") for theta in parameters}
    along = J0.xreplace({theta: theta + t for theta, t in steps.items()}).xreplace(point)
    origin = {t: 0 for t in steps.values()}

    def at(expr: Any) -> Any:  # at e = 0, at the point, in normal form
        return _normal(expr.xreplace(unperturbed).xreplace(point))

    def partial(theta: Any) -> Any:
        return _normal(sp.diff(along, steps[theta]).xreplace(origin))

    J_at_point = J.xreplace(point)
    layers = range(len(case.sizes) - 1)
    found: dict[str, Any] = {}
    if set(parts) & {"backpropagate", "gradients", "per_example"}:  # what these compare, only
        found["J"] = at(J0)
        found["weights"] = [[[partial(w) for w in row] for row in W] for W in first.W]
        found["biases"] = [[partial(b) for b in layer] for layer in first.b]
    if "deltas" in parts:
        found["deltas"] = [[[at(sp.diff(J_at_point, e)) for e in net.e[l]] for net in nets]
                           for l in layers]  # fmt: skip
    if "forward" in parts:
        found["Z"] = [[[at(z) for z in net.z[l]] for net in nets] for l in layers]
        found["A"] = [[[at(a) for a in net.a[l]] for net in nets] for l in range(len(case.sizes))]
    return found


def _mean(values: list[Any]) -> Any:
    """The entrywise mean of equal nests of lists."""
    if isinstance(values[0], list):
        return [_mean([v[k] for v in values]) for k in range(len(values[0]))]
    return sp.Add(*values) / len(values)


def _sides(case: Case, choice: Sequence[int]) -> list[dict[tuple[int, int], int]]:
    """Each example's side of each hidden unit; ``choice`` puts example 0's zeros on a side."""
    units = hidden_units(case.sizes)
    zeros = iter(choice)
    out = []
    for pattern in case.patterns:
        sides = {}
        for k, unit in enumerate(units):
            sides[unit] = pattern[k] if pattern[k] != 0 else next(zeros)
        out.append(sides)
    return out


def prove_case(case: Case, parts: Sequence[str] = ("backpropagate", "deltas")) -> Outcome:
    """Run the shipping code on ``case`` and compare each output with SymPy's derivative.

    ``parts``: ``"backpropagate"`` (J and every gradient), ``"deltas"`` (every Delta^l),
    ``"gradients"`` (the public entry point, with its input checks), ``"forward"`` (every Z^l,
    A^l), ``"per_example"`` (``gradients_per_example`` against SymPy's derivative).
    """
    n_zeros = sum(p.count(0) for p in case.patterns)
    if any(0 in p for p in case.patterns[1:]):
        raise ValueError("units at exactly 0 are placed in example 0 only")
    at_zero = case.relu_grad_at_zero
    # the one-sided derivatives: each adjacent pattern, the zeros of example 0 on or off
    choices = list(itertools.product((1, -1), repeat=n_zeros)) if n_zeros else [()]
    if n_zeros and at_zero == 0.0:
        choices = [(-1,) * n_zeros]  # h'(0) = 0: the side where every such unit is off
    base = _definition(case, _sides(case, choices[0]))
    expected = _expected(base, case, parts)
    if len(choices) > 1:
        sided = [expected] + [
            _expected(_definition(case, _sides(case, c), base.bias_point), case, parts)
            for c in choices[1:]
        ]
        for name in set(expected) & {"weights", "biases", "deltas"}:
            expected[name] = _mean([s[name] for s in sided])
    inputs = _inputs(case, base)
    params, X, Y, output = inputs.params, inputs.X, inputs.Y, case.output

    def run_backpropagate() -> dict[str, bool]:
        J, grads = algorithm.backpropagate(params, X, Y, output=output, relu_grad_at_zero=at_zero)
        return {"J": _equal([J], [expected["J"]]),
                "weights": _equal(grads.weights, expected["weights"]),
                "biases": _equal(grads.biases, expected["biases"])}  # fmt: skip

    def run_entry(entry: Callable[..., Any]) -> dict[str, bool]:
        _, grads = entry(params, X, Y, output=output, relu_grad_at_zero=at_zero)
        return {"entry point": _equal([*grads.weights, *grads.biases],
                                      [*expected["weights"], *expected["biases"]])}  # fmt: skip

    def run_deltas() -> dict[str, bool]:
        found = algorithm.deltas(params, X, Y, output=output, relu_grad_at_zero=at_zero)
        return {"deltas": _equal(found, expected["deltas"])}

    def run_forward() -> dict[str, bool]:
        passed = forward(params, X, output=output)
        return {"forward": _equal([*passed.pre_activations, *passed.activations],
                                  [*expected["Z"], *expected["A"]])}  # fmt: skip

    runs: dict[str, tuple[Callable[[], dict[str, bool]], tuple[str, ...]]] = {
        "backpropagate": (run_backpropagate, ("J", "weights", "biases")),
        "gradients": (lambda: run_entry(algorithm.gradients), ("entry point",)),
        "per_example": (lambda: run_entry(algorithm.gradients_per_example), ("entry point",)),
        "deltas": (run_deltas, ("deltas",)),
        "forward": (run_forward, ("forward",)),
    }
    outcome: dict[str, bool] = {}
    with sa.deciding(base.signs):
        for part in parts:
            run, names = runs[part]
            try:
                outcome.update(run())
            except Exception:  # a comparison left undecided, or code that fails: not proved
                outcome.update(dict.fromkeys(names, False))
    return Outcome(outcome)


def _equal(code: Sequence[Any], expected: Sequence[Any]) -> bool:
    """Every entry of each code array minus its expected entry is exactly 0
    (:func:`~manual_backprop.checks.symbolic.is_zero`). The expected values have no shift in
    them, so a code result equal to them does not depend on the log-sum-exp's shift."""
    if len(code) != len(expected):
        return False
    return all(is_zero(sp.sympify(d)) for c, e in zip(code, expected) for d in _differences(c, e))


# --- the proofs run in CI ---------------------------------------------------------------------

HEADS = ("softmax", "relu")
ALL_PARTS = ("backpropagate", "deltas", "forward", "gradients")


def pattern_pairs(count: int, offset: int = 0) -> list[tuple[Pattern, Pattern]]:
    """``count`` pairs of strict patterns for B = 2: pattern k with pattern 31 - k, k from
    ``offset``, so that the two examples of a pair differ in every unit."""
    patterns = strict_patterns()
    return [(patterns[k], patterns[-1 - k]) for k in range(offset, offset + count)]


def _row(equation: str, statement: str, where: str, outcomes: list[tuple[Outcome, str]],
         start: float) -> Proof:  # fmt: skip
    proved = bool(outcomes) and all(o.parts.get(part, False) for o, part in outcomes)
    return Proof(equation, statement, where, proved, time.perf_counter() - start, SHIPPING_CODE)


def _head_equations(output: str) -> tuple[str, str]:
    return ("(18)/(19)", "(16), (23)") if output == "relu" else ("(18)/(33)", "(16), (42)/(44)")


def pattern_proofs() -> list[Proof]:
    """B = 1, one-hot targets (the other kinds: :func:`batch_proofs`). ReLU head: ``deltas`` and
    ``backpropagate`` on each of the 32 strict patterns of 2-3-2-3. Softmax head, whose proofs
    cost more (the exponentials): ``deltas`` on each of the 32, ``backpropagate`` on every fourth
    (patterns 0, 4, ..., 28 of :func:`strict_patterns`)."""
    proofs = []
    for output, every in (("softmax", 4), ("relu", 1)):
        start = time.perf_counter()
        outcomes = [
            prove_case(Case(output, "one-hot", (p,)),
                       ("backpropagate", "deltas") if k % every == 0 else ("deltas",))
            for k, p in enumerate(strict_patterns())
        ]  # fmt: skip
        where = f"2-3-2-3 {output}, B = 1, one-hot targets, all 32 strict patterns"
        some = where if every == 1 else where.replace("all 32", f"every {every}th of the 32")
        ran = [o for o in outcomes if "J" in o.parts]
        J_eq, delta_eq = _head_equations(output)
        proofs += [
            _row(J_eq, "backpropagate's J = the forward definition's J", some,
                 [(o, "J") for o in ran], start),
            _row("(26)-(31)", "backpropagate's dJ/dW^l, dJ/db^l = SymPy's derivatives", some,
                 [(o, p) for o in ran for p in ("weights", "biases")], start),
            _row(delta_eq, "deltas' Delta^l = SymPy's dJ/dz^l", where,
                 [(o, "deltas") for o in outcomes], start),
        ]  # fmt: skip
    return proofs


def batch_proofs(pairs_per_case: int = 1) -> list[Proof]:
    """B = 2 on pairs of strict patterns, each head, each kind of targets: ``forward``, J,
    ``backpropagate``, ``gradients`` and ``deltas``."""
    proofs = []
    for output in HEADS:
        start = time.perf_counter()
        outcomes = [
            prove_case(Case(output, targets, pair), ALL_PARTS)
            for k, targets in enumerate(TARGET_KINDS)
            for pair in pattern_pairs(pairs_per_case, offset=1 + pairs_per_case * k)
        ]
        pairs = "1 pair" if pairs_per_case == 1 else f"{pairs_per_case} pairs"
        where = (f"2-3-2-3 {output}, B = 2, one-hot, soft and unnormalised targets, "
                 f"{pairs} of strict patterns each")  # fmt: skip
        J_eq, delta_eq = _head_equations(output)
        proofs += [
            _row("(3)-(8)" if output == "relu" else "(3)-(7), (34)",
                 "forward's Z^l, A^l = the forward definition", where,
                 [(o, "forward") for o in outcomes], start),
            _row(J_eq, "backpropagate's J = the forward definition's J (summed, eq. 18)", where,
                 [(o, "J") for o in outcomes], start),
            _row("(26)-(31)", "backpropagate's and gradients' dJ/dW^l, dJ/db^l = SymPy's", where,
                 [(o, p) for o in outcomes for p in ("weights", "biases", "entry point")],
                 start),
            _row(delta_eq, "deltas' Delta^l = SymPy's dJ/dz^l, row i example i", where,
                 [(o, "deltas") for o in outcomes], start),
        ]  # fmt: skip
    return proofs


def per_example_proofs(pairs: int = 1) -> list[Proof]:
    """Section 1.5: ``gradients_per_example`` (one example at a time, summed) at B = 2 equals
    SymPy's derivative of the summed J, and so the batched result proved above."""
    proofs = []
    for output in HEADS:
        start = time.perf_counter()
        outcomes = [prove_case(Case(output, "unnormalised", pair), ("per_example",))
                    for pair in pattern_pairs(pairs, offset=20)]  # fmt: skip
        count = "1 pair" if pairs == 1 else f"{pairs} pairs"
        where = f"2-3-2-3 {output}, B = 2, unnormalised targets, {count} of strict patterns"
        proofs.append(
            _row("sec. 1.5", "gradients_per_example's sum = SymPy's dJ/dtheta = gradients'",
                 where, [(o, "entry point") for o in outcomes], start)
        )  # fmt: skip
    return proofs


def _kink(pattern_of_zeros: Sequence[int]) -> Pattern:
    units = hidden_units(SIZES)
    return tuple(0 if k in pattern_of_zeros else 1 for k in range(len(units)))


def kink_proofs() -> list[Proof]:
    """Units at exactly 0, B = 1: h'(0) = 1/2 gives the mean of the one-sided derivatives
    (eq. 2), h'(0) = 0 the side where the unit is off (PyTorch's)."""
    first, second, both = _kink((0,)), _kink((3,)), _kink((0, 3))  # z^1_0, z^2_0, the two
    cases = {  # (head, targets): (the patterns at h'(0) = 1/2, those at h'(0) = 0)
        ("softmax", "one-hot"): ([first], [second]),
        ("relu", "unnormalised"): ([both], [second]),
    }
    names = {first: "z^1_0 = 0", second: "z^2_0 = 0", both: "z^1_0 = z^2_0 = 0"}
    proofs = []
    for (output, targets), (halves, zeros) in cases.items():
        for at_zero, patterns, statement in (
            (0.5, halves, "h'(0) = 1/2: gradients and deltas = the mean of the one-sided ones"),
            (0.0, zeros, "h'(0) = 0: gradients and deltas = those of the side where it is off"),
        ):
            start = time.perf_counter()
            outcomes = [prove_case(Case(output, targets, (p,), relu_grad_at_zero=at_zero))
                        for p in patterns]  # fmt: skip
            where = (
                f"2-3-2-3 {output}, B = 1, {targets} targets, "
                f"{'; '.join(names[p] for p in patterns)} (the other units > 0)"
            )
            proofs.append(
                _row("(2)", statement, where,
                     [(o, p) for o in outcomes for p in ("weights", "biases", "deltas")], start)
            )  # fmt: skip
    return proofs


@lru_cache(maxsize=1)
def code_proofs() -> tuple[Proof, ...]:
    """Every proof of the shipping code run in CI (cached: once per process)."""
    return (*pattern_proofs(), *batch_proofs(), *per_example_proofs(), *kink_proofs())


def all_pairs(output: str = "softmax", targets: str = "one-hot") -> tuple[int, int, int]:
    """The full product of strict patterns at B = 2 (1,024 pairs): ``(proved, empty, failed)``,
    ``empty`` counting the pairs whose patterns contradict each other. Not run in CI."""
    proved = empty = failed = 0
    for pair in itertools.product(strict_patterns(), repeat=2):
        try:
            outcome = prove_case(Case(output, targets, pair))
        except ContradictoryPatternsError:
            empty += 1
            continue
        proved += outcome.proved
        failed += not outcome.proved
    return proved, empty, failed


if __name__ == "__main__":  # python -m manual_backprop.checks.code_proof [softmax|relu] [targets]
    import sys

    start = time.perf_counter()
    arguments = sys.argv[1:] or ["softmax", "one-hot"]
    counts = all_pairs(*arguments)
    print(f"2-3-2-3 {' '.join(arguments)}, B = 2, all 1,024 pairs of strict patterns: "
          f"{counts[0]} proved, {counts[1]} contradictory, {counts[2]} not proved, "
          f"{time.perf_counter() - start:.0f} s")  # fmt: skip
