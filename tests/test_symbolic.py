"""The code and the derivation proven in exact arithmetic, the errata refuted, the true error.

Each proof record of :func:`manual_backprop.checks.proof_table.all_proofs` must hold: the shipping
code (``checks.code_proof``) run on symbols on 2-3-2-3 (B = 1 on all 32 strict ReLU patterns of one
example, both heads, one-hot targets, the softmax head's gradients on 8 of them; B = 2 on one pair
of strict patterns per head and kind of targets, one-hot, soft and unnormalised; units at exactly 0
for h'(0) = 1/2 and 0; ``gradients_per_example`` at B = 2), and the transcription
(``checks.symbolic``: the chain rule for any h on 2-3-2-3 and 2-2-2-2-2, the heads' steps). The
tests show that a wrong right-hand side is reported as not proved (``tests/test_symbolic_array.py``
does so for broken shipping functions), that docs/verification.md's table is the proofs', pin the
errata's counterexamples, check the exact oracle (``checks.exact``) against SymPy's own derivative
and against itself at higher precision, and require the code's true error to stay within the derived
tolerance on the derivation's network at seed 0.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch

import manual_backprop
from manual_backprop import gradients
from manual_backprop.checks import code_proof, proof_table, symbolic
from manual_backprop.checks.exact import exact_difference, exact_trace
from manual_backprop.checks.problems import DERIVATION_LAYER_SIZES, make_problem
from manual_backprop.validation import targets_from
from torch_reference.claims import (
    BATCH_SIZE,
    EXACT,
    PROVED,
    TRACE_CASES,
    exact_check,
    proof_checks,
    trace_checks,
)

PROOFS = proof_table.all_proofs()
CODE = [proof for proof in PROOFS if proof.oracle == code_proof.SHIPPING_CODE]


@pytest.mark.parametrize("proof", PROOFS, ids=lambda p: f"{p.equation} {p.statement} [{p.network}]")
def test_each_listed_identity_is_proved_exactly(proof: symbolic.Proof) -> None:
    assert proof.proved


def test_the_proofs_cover_the_derivation() -> None:
    """The identities the issues list: (2), (13)-(16), (17)-(23), (24)-(31), (35)-(44), 1.5;
    the code's on 2-3-2-3 at B = 1 (32 patterns) and B = 2, both heads."""
    proved = {proof.equation for proof in PROOFS if proof.proved}
    for equation in ("(2)", "(13)", "(14)", "(16)", "(17)/(22)", "(21)", "(23)", "(26)", "(27)",
                     "(28)", "(29)", "(30)", "(31)", "(35)/(36)",
                     "(37)", "(38)", "(39)", "(40)", "(41)", "(42)", "(43)/(44)"):  # fmt: skip
        assert equation in proved, equation
    code = {(p.equation, p.network) for p in CODE if p.proved}
    for head, equations in (("softmax", ("(18)/(33)", "(16), (42)/(44)", "(3)-(7), (34)")),
                            ("relu", ("(18)/(19)", "(16), (23)", "(3)-(8)"))):  # fmt: skip
        for equation in (*equations, "(26)-(31)", "sec. 1.5", "(2)"):
            assert any(e == equation and n.startswith(f"2-3-2-3 {head}") for e, n in code), (
                equation,
                head,
            )
        assert any(n == f"2-3-2-3 {head}, B = 1, one-hot targets, all 32 strict patterns"
                   for _, n in code)  # fmt: skip
        assert any(n.startswith(f"2-3-2-3 {head}, B = 2, one-hot, soft and unnormalised")
                   for _, n in code)  # fmt: skip
    assert any(p.network.startswith("2-2-2-2-2") and p.equation == "(16)" for p in PROOFS)


def test_the_table_in_verification_md_is_the_proofs() -> None:
    """docs/verification.md's table, written by ``python -m manual_backprop.checks.proof_table
    docs/verification.md``, lists exactly these proofs with what each was proved on."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "verification.md").read_text()
    table = proof_table.markdown(PROOFS)
    assert proof_table.replace_table(text, table) == text
    assert table.count("\n| ") == len(PROOFS) + 1


# --- The proofs can fail: a wrong right-hand side is reported as not proved -------------------


def _small_proofs(monkeypatch: pytest.MonkeyPatch, equation: str, wrong: Any) -> list[Any]:
    monkeypatch.setitem(symbolic.RHS, equation, wrong)
    found = symbolic.chain_rule_proofs(symbolic.network((2, 2, 2), "softmax"), "(42)")
    return found + symbolic.softmax_head_proofs()


def _not_proved(found: list[Any], equation: str) -> bool:
    return any(p.equation.startswith(equation) and not p.proved for p in found)


def test_eq_16_without_h_prime_is_not_proved(monkeypatch: pytest.MonkeyPatch) -> None:
    def without_slope(net: Any, l: int, delta_next: Any) -> Any:
        W = net.W[l]
        return [sum(W[n][m] * delta_next[m] for m in range(len(delta_next)))
                for n in range(len(W))]  # fmt: skip

    found = _small_proofs(monkeypatch, "(16)", without_slope)
    assert _not_proved(found, "(16)")
    assert _not_proved(found, "(27)-(28)") or _not_proved(found, "(26)-(28)")  # it carries on


def test_eq_44_with_its_sign_flipped_is_not_proved(monkeypatch: pytest.MonkeyPatch) -> None:
    def flipped(net: Any) -> Any:
        return [y - a for a, y in zip(net.a_at(net.depth), net.y)]

    assert _not_proved(_small_proofs(monkeypatch, "(44)", flipped), "(43)/(44)")


def test_eq_44_in_place_of_42_for_targets_not_summing_to_1_is_not_proved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = _small_proofs(monkeypatch, "(42)", symbolic.rhs_output_normalised)
    assert _not_proved(found, "(42)")


def test_eq_26_with_a_l_in_place_of_a_l_minus_1_is_not_proved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def this_layer(net: Any, l: int, delta: Any) -> Any:
        return [[a_m * d_n for d_n in delta] for a_m in net.a_at(l)]

    found = _small_proofs(monkeypatch, "(26)", this_layer)
    assert _not_proved(found, "(26)-(28)")


def test_the_unchanged_small_proofs_all_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """The four tests above fail for the wrong right-hand side alone."""
    found = _small_proofs(monkeypatch, "(16)", symbolic.rhs_recursion)
    assert all(p.proved for p in found)


# --- The errata, as counterexamples -------------------------------------------------------------


def test_each_erratum_is_refuted_at_a_concrete_point_and_its_correction_proved() -> None:
    found = {erratum.number: erratum for erratum in symbolic.errata()}
    assert set(found) == {1, 2, 4, 5}
    for erratum in found.values():
        assert erratum.refuted and erratum.corrected_proved, erratum
    # (3) printed with X for every input: z = (1 + 1) x_0 = 2, but x_0 + x_1 = 3
    assert (found[1].printed_value, found[1].true_value) == (2, 3)
    assert found[2].printed_value == 0 and found[2].true_value != 0  # the bias of layer l+1
    assert found[5].printed_value == 2 and found[5].true_value == -2  # the lost minus sign


def test_verify_rows_show_the_proofs_and_the_errata() -> None:
    rows = proof_checks()
    assert all(row.passed and row.oracle.startswith(PROVED[:-1]) and row.criterion == "proof"
               for row in rows)  # fmt: skip
    assert len([row for row in rows if row.equation.startswith("erratum")]) == 4
    assert len(rows) == len(PROOFS) + 4
    assert len([row for row in rows if row.oracle == code_proof.SHIPPING_CODE]) == len(CODE) > 0


# --- The exact oracle ---------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["relu", "softmax"])
def test_the_exact_oracle_equals_sympys_derivative_of_the_forward_pass(output: str) -> None:
    """On a 2-3-2 network, B = 2, soft targets, float inputs, each head: the mpmath reverse mode
    against SymPy's derivative of the same J (:func:`symbolic.network` with ``h = Max(0, z)``),
    evaluated at 60 digits: every weight and bias gradient and every delta."""
    problem = make_problem((2, 3, 2), 2, output=output, targets="soft", seed=4)
    targets = targets_from(problem.Y, problem.X, 2)
    trace = exact_trace(problem.params, problem.X, targets, output=output)
    nets = [symbolic.network((2, 3, 2), output, h=lambda l, n, z: sp.Max(0, z), tag=f"_{i}")
            for i in range(2)]  # fmt: skip
    first = nets[0]
    values: dict[Any, Any] = {}
    for l, (w, b) in enumerate(zip(problem.params.weights, problem.params.biases)):
        values.update({first.W[l][i][j]: w[i, j] for i in range(w.shape[0])
                       for j in range(w.shape[1])})  # fmt: skip
        values.update({first.b[l][j]: b[j] for j in range(b.shape[0])})
    for net, x, y in zip(nets, problem.X, targets):
        values.update({**dict(zip(net.x, x)), **dict(zip(net.y, y))})
        values.update({e: 0 for layer in net.e for e in layer})
    at = {k: sp.Float(float(v), 60) for k, v in values.items()}
    targets_in = {y: at[y] for net in nets for y in net.y}  # y = 0: no term (eq. 19's 0 ln 0)
    J = sum(net.J.xreplace(targets_in) for net in nets).replace(symbolic.Exp, sp.exp)
    t = sp.Symbol("t", real=True)

    def agree(computed: Any, symbol: Any) -> bool:
        """SymPy's d/dt J(point + t e_symbol) at t = 0, the other symbols at their values."""
        along = J.xreplace({**at, symbol: at[symbol] + t})
        expected = mpmath.mpf(str(sp.diff(along, t).subs(t, 0).evalf(60)))
        return bool(abs(computed - expected) <= mpmath.mpf(10) ** -50 * (1 + abs(expected)))

    with mpmath.workdps(60):
        for l in range(2):
            for (i, j), w in np.ndenumerate(np.array(first.W[l], dtype=object)):
                assert agree(trace.grads.weights[l][i, j], w), (l, i, j)
            for j, b in enumerate(first.b[l]):
                assert agree(trace.grads.biases[l][j], b), (l, j)
            for example, net in enumerate(nets):
                for n, e in enumerate(net.e[l]):
                    assert agree(trace.deltas[l][example, n], e), (l, example, n)


def _largest_relative_difference(a: Any, b: Any) -> Any:
    """``max |a - b| / max |b|`` over J, every Z^l, A^l, Delta^l and gradient, in mpmath at 80
    digits (no rounding to float64 anywhere)."""
    quantities = [(np.array(a.loss, dtype=object), np.array(b.loss, dtype=object)),
                  *zip(a.pre_activations, b.pre_activations), *zip(a.activations, b.activations),
                  *zip(a.deltas, b.deltas), *zip(a.grads.weights, b.grads.weights),
                  *zip(a.grads.biases, b.grads.biases)]  # fmt: skip
    with mpmath.workdps(80):
        return max(
            max(abs(x - y) for x, y in zip(np.ravel(left), np.ravel(right)))
            / (max(abs(y) for y in np.ravel(right)) or 1)
            for left, right in quantities
        )


@pytest.mark.parametrize(("output", "kind"), [("relu", "soft"), ("softmax", "one_hot")])
def test_sixty_digits_agree_with_eighty_to_fifty_at_eighty_digits(output: str, kind: str) -> None:
    """60 against 80 digits, compared in mpmath at 80 digits: every quantity agrees to 1e-50
    relative (60 digits, a few thousand operations deep), and a copy of the 60-digit result off
    by 1e-40 relative in one entry is noticed."""
    problem = make_problem(DERIVATION_LAYER_SIZES, 32, dtype=np.float32, output=output,
                           targets=kind, seed=0)  # fmt: skip
    targets = targets_from(problem.Y, problem.X, 10)
    sixty = exact_trace(problem.params, problem.X, targets, output=output)
    eighty = exact_trace(problem.params, problem.X, targets, output=output, digits=80)
    bound = mpmath.mpf(10) ** -50
    assert _largest_relative_difference(sixty, eighty) <= bound
    with mpmath.workdps(80):
        off = [w.copy() for w in sixty.grads.weights]
        off[0][0, 0] = off[0][0, 0] * (1 + mpmath.mpf(10) ** -40)
    wrong = dataclasses.replace(sixty, grads=manual_backprop.Params(off, sixty.grads.biases))
    assert _largest_relative_difference(wrong, eighty) > bound


def test_exact_difference_is_the_true_error_not_a_rounded_one() -> None:
    """float64(1/3) - 1/3 is about 1.9e-17, which a float64 subtraction would report as 0."""
    import mpmath

    with mpmath.workdps(60):
        third = np.array([mpmath.mpf(1) / 3], dtype=object)
    error = exact_difference(np.array([1 / 3]), third)[0]
    assert error != 0 and abs(error - (1 / 3 - float(mpmath.mpf(1) / 3))) < 1e-30 + 1.9e-17
    assert abs(error) < 2e-17


def test_the_codes_true_error_is_within_every_derived_tolerance() -> None:
    """Every row against the exact oracle: the derivation's network, three target kinds, both
    dtypes; the worst ratio of error to tolerance is what docs/verification.md reports."""
    rows = []
    for dtype in (np.float64, np.float32):
        for output, targets in TRACE_CASES:
            problem = make_problem(DERIVATION_LAYER_SIZES, BATCH_SIZE, dtype=dtype,
                                   output=output, targets=targets, seed=0)  # fmt: skip
            rows += trace_checks(problem, output, targets, "cpu", oracle=EXACT)
    assert len(rows) == 2 * 3 * 16
    assert all(row.passed for row in rows), [row for row in rows if not row.passed]
    assert max(row.ratio for row in rows) <= 1.0


def test_exact_rows_take_tensors_as_the_cuda_rows_hand_them() -> None:
    """On ``--device cuda`` the manual side's results are torch tensors: the exact check must
    read them as it reads NumPy arrays (to_numpy, as every other row does)."""
    problem = make_problem((5, 4, 3), 6, seed=1)
    targets = targets_from(problem.Y, problem.X, 3)
    trace = exact_trace(problem.params, problem.X, targets)
    _, grads = gradients(problem.params, problem.X, problem.Y, relu_grad_at_zero=0.0)
    as_array = exact_check("(26)", "W", "cpu", "float64", grads.weights[1], trace.grads.weights[1],
                           1e-14)  # fmt: skip
    as_tensor = exact_check("(26)", "W", "cpu", "float64", torch.from_numpy(grads.weights[1]),
                            trace.grads.weights[1], 1e-14)  # fmt: skip
    assert as_array == as_tensor and as_array.passed
