"""The code and the derivation proven in exact arithmetic, the errata refuted, the true error.

Each proof record of :func:`manual_backprop.checks.proof_table.all_proofs` must hold: the
shipping code (``checks.code_proof``) run on symbols on 2-3-2-3 (B = 1 on all 32 strict ReLU
patterns of one example, both heads, one-hot targets; B = 2 on one pair of strict patterns per
head and kind of targets, one-hot, soft and unnormalised; units at exactly 0 for h'(0) = 1/2 and
0; ``gradients_per_example`` at B = 2), and the transcription (``checks.symbolic``: the chain
rule for any h on 2-3-2-3 and 2-2-2-2-2, the heads' steps). The tests show that a wrong
right-hand side is reported as not proved (``tests/test_symbolic_array.py`` does so for broken
shipping functions), that docs/verification.md's table is the proofs', pin the errata's counterexamples, check
the exact oracle (``checks.exact``) against SymPy's own derivative and against itself at higher
precision, and require the code's true error to stay within the derived tolerance on the
derivation's network at seed 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp
import torch

from manual_backprop import gradients
from manual_backprop.checks import code_proof, proof_table, symbolic
from manual_backprop.checks.exact import exact_difference, exact_trace, to_float
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
                equation, head)
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


def test_the_exact_oracle_equals_sympys_derivative_of_the_forward_pass() -> None:
    """On a 2-3-2 ReLU network with float inputs: the mpmath reverse mode against SymPy's
    derivative of the same J (Max and all), evaluated at 60 digits."""
    problem = make_problem((2, 3, 2), 2, output="relu", targets="soft", seed=4)
    targets = targets_from(problem.Y, problem.X, 2)
    trace = exact_trace(problem.params, problem.X, targets, output="relu")
    W = [sp.Matrix(w.shape[0], w.shape[1], lambda i, j, l=l: sp.Symbol(f"w{l}_{i}_{j}"))
         for l, w in enumerate(problem.params.weights)]  # fmt: skip
    values = {W[l][i, j]: sp.Float(float(w[i, j]), 60)
              for l, w in enumerate(problem.params.weights)
              for i in range(w.shape[0]) for j in range(w.shape[1])}  # fmt: skip
    J = sp.Integer(0)
    for x, y in zip(problem.X, targets):
        a = sp.Matrix([[sp.Float(float(v), 60) for v in x]])
        for l, b in enumerate(problem.params.biases):
            z = a * W[l] + sp.Matrix([[sp.Float(float(v), 60) for v in b]])
            a = z.applyfunc(lambda v: sp.Max(0, v))
        J -= sum(float(y_n) * sp.log(a[n]) for n, y_n in enumerate(y) if y_n > 0)
    for l in range(2):
        for (i, j), symbol in np.ndenumerate(np.array(W[l].tolist(), dtype=object)):
            expected = sp.diff(J, symbol).subs(values).evalf(60)
            assert abs(trace.grads.weights[l][i, j] - expected) <= 1e-50 * (1 + abs(expected))


def test_sixty_digits_agree_with_eighty_to_fifty() -> None:
    problem = make_problem(DERIVATION_LAYER_SIZES, 32, dtype=np.float32, output="relu",
                           targets="soft", seed=0)  # fmt: skip
    targets = targets_from(problem.Y, problem.X, 10)
    sixty = exact_trace(problem.params, problem.X, targets, output="relu")
    eighty = exact_trace(problem.params, problem.X, targets, output="relu", digits=80)
    for a, b in zip([*sixty.grads.weights, np.array(sixty.loss)],
                    [*eighty.grads.weights, np.array(eighty.loss)]):  # fmt: skip
        scale = np.max(np.abs(to_float(b)))
        assert (
            np.max(np.abs(exact_difference(to_float(a), b) - exact_difference(to_float(a), a)))
            <= 1e-50 * scale
        )


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
