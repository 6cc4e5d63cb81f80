"""The README's contract example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_contract_example_runs() -> None:
    text = README.read_text(encoding="utf-8")
    example = re.search(r"## The contract\n\n```python\n(.*?)```", text, re.S)
    assert example is not None
    namespace: dict[str, object] = {}
    exec(compile(example.group(1), "README.md", "exec"), namespace)
    assert namespace["grads_ref"] is not None


def test_the_per_example_call_follows_the_call_it_equals() -> None:
    """Its comment says "the same": it must come right after the sum with h'(0) = 1/2, not after
    the mean with h'(0) = 0."""
    text = README.read_text(encoding="utf-8")
    example = re.search(r"## The contract\n\n```python\n(.*?)```", text, re.S)
    assert example is not None
    lines = [line.split("#")[0].strip() for line in example.group(1).splitlines()]
    at = lines.index("J_1_5, grads_1_5 = gradients_per_example(params, X, Y)")
    assert lines[at - 1] == "J, grads = gradients(params, X, Y)"
