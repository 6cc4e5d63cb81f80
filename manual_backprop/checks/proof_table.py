"""Every proof record in one place, and the table of ``docs/verification.md`` made from them.

:func:`all_proofs` is the one list of proofs: verify's proof rows
(:func:`torch_reference.claims.proof_checks`) and the generated table both take their rows from
it, so a new kind of proof (a record of :class:`~manual_backprop.checks.symbolic.Proof` with its
own ``oracle`` label) is added here once and shows in both.

``python -m manual_backprop.checks.proof_table docs/verification.md`` rewrites the table between
the markers :data:`BEGIN` and :data:`END`; ``tests/test_symbolic.py`` fails when the file's table
and the proofs disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from manual_backprop.checks import layer_lemma
from manual_backprop.checks.code_proof import code_proofs
from manual_backprop.checks.symbolic import Proof, proofs

__all__ = ["BEGIN", "END", "all_proofs", "markdown", "replace_table"]

BEGIN = "<!-- proof table: python -m manual_backprop.checks.proof_table docs/verification.md -->"
END = "<!-- end of proof table -->"


def all_proofs() -> tuple[Proof, ...]:
    """Every proof record: the derivation as written
    (:func:`~manual_backprop.checks.symbolic.proofs`), the shipping code
    (:func:`~manual_backprop.checks.code_proof.code_proofs`), then the layer lemma for symbolic
    widths (:func:`~manual_backprop.checks.layer_lemma.proofs`). Cached by each, once per
    process."""
    return (*proofs(), *code_proofs(), *layer_lemma.proofs())


def markdown(records: tuple[Proof, ...]) -> str:
    """One table row per proof: equation, identity, what it was proved on, what was proved."""
    lines = [
        "| equation | identity | proved on | oracle | proved |",
        "| --- | --- | --- | --- | --- |",
    ]
    for proof in records:
        cells = [proof.equation, proof.statement, proof.network, f"`{proof.oracle}`",
                 "yes" if proof.proved else "**no**"]  # fmt: skip
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def replace_table(text: str, table: str) -> str:
    """``text`` with the part between :data:`BEGIN` and :data:`END` replaced by ``table``."""
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + "\n" + table + "\n" + text[end:]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m manual_backprop.checks.proof_table PATH.md", file=sys.stderr)
        return 2
    path = Path(argv[0])
    path.write_text(replace_table(path.read_text(encoding="utf-8"), markdown(all_proofs())),
                    encoding="utf-8")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
