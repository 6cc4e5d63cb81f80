"""Assertions shared by the tests, on the criterion ``manual-backprop verify`` uses.

Every comparison goes through :func:`torch_reference.claims.relative_check`, the harness's one
judging function, so a test and a certificate row cannot disagree about the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from manual_backprop import Params
from manual_backprop.checks.error_scales import error_scales, problem_rtol
from manual_backprop.checks.problems import Problem
from torch_reference.claims import Check, relative_check
from torch_reference.commands.verify import format_table


def exactly(value: float) -> Any:
    """``pytest.approx`` to 1e-12 relative and no absolute slack.

    Its default absolute tolerance, 1e-12, is larger than every tolerance the project derives (a
    few hundred eps): with it, 8 eps would "equal" 28 eps. For values fixed by a formula or pinned.
    """
    return pytest.approx(value, rel=1e-12, abs=0.0)


def assert_checks_pass(rows: Sequence[Check]) -> None:
    """Every row passed; on failure, the failing rows as ``manual-backprop verify`` prints them."""
    assert rows, "no checks ran"
    failed = [row for row in rows if not row.passed]
    assert not failed, "\n" + format_table(failed)


def assert_close(actual: Any, expected: Any, rtol: float, what: str, scale: Any = None) -> None:
    """``max|actual - expected| <= rtol * max|scale|``, shapes equal (``relative_check``)."""
    assert_checks_pass([relative_check("", what, "", "", "", actual, expected, rtol, scale)])


def assert_params_close(
    actual: Params, expected: Params, rtol: float, what: str, scales: Params | None = None
) -> None:
    """:func:`assert_close` for every ``dJ/dW^l`` and ``dJ/db^l``; dtypes must agree too."""
    assert len(actual.weights) == len(expected.weights)
    scale = scales or expected
    for kind, a_list, e_list, s_list in [
        ("W", actual.weights, expected.weights, scale.weights),
        ("b", actual.biases, expected.biases, scale.biases),
    ]:
        for l, (a, e, s) in enumerate(zip(a_list, e_list, s_list), start=1):
            assert a.dtype == e.dtype, f"{what} dJ/d{kind}^{l}: dtype {a.dtype} != {e.dtype}"
            assert_close(a, e, rtol, f"{what} dJ/d{kind}^{l}", s)


def assert_gradients_match(
    problem: Problem,
    output: str,
    result: tuple[float, Params],
    reference: tuple[float, Params],
    what: str,
    relu_grad_at_zero: float = 0.5,
) -> None:
    """J and every gradient of ``result`` against ``reference``, at the derived tolerance.

    The tolerance is :func:`problem_rtol` (with the head's condition number) applied to the
    scales of :func:`error_scales`, the magnitudes the rounding errors are proportional to.
    """
    rtol = problem_rtol(problem.params, problem.X, problem.Y, output)
    scales = error_scales(problem.params, problem.X, problem.Y, output, relu_grad_at_zero)
    assert_close(result[0], reference[0], rtol, f"{what} J", scales.loss)
    assert_params_close(result[1], reference[1], rtol, what, scales.grads)
