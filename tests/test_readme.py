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
