"""The layer lemma proved for every width: (16), (26)-(31) and the heads (17)/(23), (42), (44).

``manual_backprop.checks.layer_lemma`` proves each identity with the widths as SymPy symbols;
the tests here run each proof, check that the range conditions are discharged only when they are
exactly the hypotheses, show that wrong right-hand sides are reported as not proved, and tie the
symbolic-width proofs to the fixed-size ones of ``manual_backprop.checks.symbolic``.
"""

from __future__ import annotations

from typing import Any

import pytest
import sympy as sp

from manual_backprop.checks import layer_lemma as lemma
from manual_backprop.checks.symbolic import Proof
from torch_reference.claims import proof_checks

PROOFS = lemma.proofs()
SUPPORTING = lemma.supporting_proofs()


@pytest.mark.parametrize(
    "proof", PROOFS + SUPPORTING, ids=lambda p: f"{p.equation} {p.statement} [{p.network}]"
)
def test_every_identity_is_proved_for_every_width(proof: Proof) -> None:
    assert proof.proved


def test_the_proofs_cover_the_layer_lemma_and_the_heads_with_their_hypotheses() -> None:
    """(16), (26)-(31), (17)/(23), (42), (44), each naming its index ranges."""
    found = {proof.equation: proof.network for proof in PROOFS}
    assert set(found) == {"(16)", "(26)-(28)", "(29)-(31)", "(17)/(23)", "(42)", "(43)/(44)"}
    assert found["(16)"] == "1 <= j <= n_l; any n_l, n_{l+1}, h, d_k"
    assert "1 <= i <= n_{l-1}, 1 <= j <= n_l" in found["(26)-(28)"]
    assert "1 <= j <= n_l" in found["(29)-(31)"]
    for head in ("(17)/(23)", "(42)", "(43)/(44)"):
        assert "1 <= n <= n_L" in found[head]
    assert "y with sum_m y_m = 1" in found["(43)/(44)"] and "any n_L, y;" in found["(42)"]
    cross = {proof.equation for proof in SUPPORTING if "symbolic.network" in proof.network}
    assert cross == {"(16)", "(26)-(31)", "(42)"}


# --- The range conditions: discharged only when they are exactly the hypotheses ----------------


def _eq16_lhs() -> Any:
    return sp.Sum(lemma.d[lemma.k] * sp.diff(lemma.z_next_layer(lemma.k), lemma.z_l[lemma.j]),
                  (lemma.k, 1, lemma.n_next))  # fmt: skip


def test_the_in_range_branch_is_taken_and_its_condition_is_the_hypothesis() -> None:
    j, n_l = lemma.j, lemma.n_l
    done = lemma.evaluate(_eq16_lhs(), [lemma.Range(j, n_l)])
    assert done.complete and done.discharged == (sp.And(j >= 1, j <= n_l),)
    assert lemma.sums_are_zero(done.expr - lemma.rhs_eq16(j))


@pytest.mark.parametrize(
    "ranges",
    [[lemma.Range(lemma.j, lemma.n_next)], [lemma.Range(lemma.i, lemma.n_l)], []],
    ids=["j in the wrong layer's range", "another index's range", "no hypothesis"],
)
def test_a_piecewise_the_hypotheses_do_not_decide_is_left_and_not_proved(ranges: Any) -> None:
    done = lemma.evaluate(_eq16_lhs(), ranges)
    assert not done.complete and done.discharged == ()
    assert done.expr.has(sp.Piecewise)


def test_a_hypothesis_on_a_bound_index_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="ranges: k is a bound index"):
        lemma.evaluate(_eq16_lhs(), [lemma.Range(lemma.k, lemma.n_next)])


def test_a_condition_with_one_bound_only_is_not_exactly_the_range() -> None:
    """``j <= n`` alone is implied by ``1 <= j <= n``, but its other branch would then hold for
    j < 1 too: such a Piecewise is not taken."""
    j, width = lemma.j, sp.Symbol("n", integer=True, positive=True)
    f = sp.Function("f")
    one_sided = sp.Piecewise((f(j), j <= width), (0, True))
    assert not lemma.evaluate(one_sided, [lemma.Range(j, width)]).complete
    both = sp.Piecewise((f(j), sp.And(j >= 1, j <= width)), (0, True))
    assert lemma.evaluate(both, [lemma.Range(j, width)]).expr == f(j)


def test_sums_compare_as_exact_unknowns() -> None:
    y, m, p, width = lemma.y, lemma.m, lemma.p, lemma.n_classes
    assert lemma.sums_are_zero(2 * sp.Sum(y[m], (m, 1, width)) - sp.Sum(2 * y[p], (p, 1, width)))
    assert not lemma.sums_are_zero(sp.Sum(y[m], (m, 1, width)) - sp.Sum(y[m], (m, 1, width + 1)))
    assert not lemma.sums_are_zero(sp.Sum(y[m], (m, 1, width)) - y[1] * width)


# --- The proofs can fail: a wrong right-hand side is reported as not proved -------------------


def test_eq_16_without_h_prime_is_not_proved_for_any_width() -> None:
    def without_slope(column: Any) -> Any:
        return sp.Sum(lemma.w_next[column, lemma.k] * lemma.d[lemma.k], (lemma.k, 1, lemma.n_next))

    assert not lemma.prove_eq16(without_slope).proved


def test_eq_26_with_its_indices_swapped_is_not_proved_for_any_width() -> None:
    def swapped(row: Any, column: Any) -> Any:
        return lemma.a_previous[column] * lemma.D[row]  # a^{l-1}_j D_i for a^{l-1}_i D_j

    assert not lemma.prove_eq26(swapped).proved


def test_eq_44_in_place_of_42_is_not_proved_without_targets_summing_to_1() -> None:
    assert not lemma.prove_eq42(lemma.rhs_eq44).proved
    assert lemma.prove_eq44(lemma.rhs_eq44).proved


def test_the_unchanged_proofs_hold_with_their_own_right_hand_sides() -> None:
    """The tests above fail for the wrong right-hand side alone."""
    assert lemma.prove_eq16(lemma.rhs_eq16).proved and lemma.prove_eq26(lemma.rhs_eq26).proved


# --- Where it shows -----------------------------------------------------------------------------


def test_verify_rows_show_each_any_width_proof_with_its_hypotheses() -> None:
    rows = [row for row in proof_checks() if row.oracle == lemma.ANY_WIDTH]
    assert len(rows) == len(PROOFS)
    assert all(row.passed and row.criterion == "proof" for row in rows)
    assert all("<=" in row.quantity and "; any n_" in row.quantity for row in rows)
