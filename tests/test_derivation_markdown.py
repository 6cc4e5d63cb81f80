"""docs/derivation.md reads right on GitHub: no formula is broken up by Markdown emphasis.

GitHub renders the file as Markdown, and plain CommonMark reads a ``_`` after ``}`` or ``)`` in
one formula and another ``_`` later in the paragraph (``z^{l}_n ... w^{l}_{mn}``) as the two ends
of an emphasis: the formulas between lose those subscripts and come out in italics. markdown-it-py,
a CommonMark parser, parses the file here as plain CommonMark and as CommonMark with GitHub's
tables (each cell on its own), with no math extension, and no emphasis may open or close inside a
``$...$`` or ``$$...$$`` span. Writing the subscript first (``z_n^{l}``) keeps ``}_`` out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

markdown_it = pytest.importorskip("markdown_it", reason="the test extra: pip install '.[test]'")

DERIVATION = Path(__file__).resolve().parents[1] / "docs" / "derivation.md"
_EMPHASIS = {"em_open", "em_close", "strong_open", "strong_close"}
_MARK = "\x00"  # where an emphasis opens or closes; no text holds it
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+?\$", re.S)


def emphasis_in_math(markdown: str, tables: bool = True) -> list[str]:
    """Each formula (``line N: ...``, ``<em>`` where an emphasis opens or closes) that CommonMark
    cuts with an emphasis; ``tables=False``: plain CommonMark, which reads a table as one
    paragraph."""
    parser = markdown_it.MarkdownIt("commonmark")
    if tables:
        parser.enable("table")
    found = []
    for token in parser.parse(markdown):
        if token.type != "inline" or not token.children:
            continue
        text = "".join(
            _MARK if child.type in _EMPHASIS
            else "\n" if child.type in ("softbreak", "hardbreak")
            else "CODE" if child.type == "code_inline"  # a `$` in code is no math
            else child.content
            for child in token.children
        )  # fmt: skip
        for span in _MATH.finditer(text):
            if _MARK in span.group():
                line = token.map[0] + 1 + text.count("\n", 0, span.start()) if token.map else "?"
                found.append(f"line {line}: {span.group()[:100]}".replace(_MARK, "<em>"))
    return found


@pytest.mark.parametrize("tables", [True, False], ids=["with tables", "plain CommonMark"])
def test_no_emphasis_opens_or_closes_inside_a_formula(tables: bool) -> None:
    found = emphasis_in_math(DERIVATION.read_text(encoding="utf-8"), tables)
    assert not found, "emphasis inside math (reword, or keep `}_` / `_{` apart):\n" + "\n".join(
        found
    )


@pytest.mark.parametrize(
    ("markdown", "broken"),
    [
        ("In $z^{l}_n = w^{l}_{mn}$ and $b^{l}_m$ here.", True),  # `}_{` ... `}_m`: an emphasis
        ("$$z^{1}_n = \\sum_{m=1}^{n_0} w^{1}_{mn} x_m$$", True),  # a display too
        ("$$z_n^{1} = \\sum_{m=1}^{n_0} w_{mn}^{1} x_m$$", False),  # subscripts first
        ("Each $a_n$ of layer $l$, and *this* is emphasis outside math.", False),
        ("Code `x_1` and `y_2` is not math: $a$ and $b$.", False),
    ],
)
def test_the_check_sees_emphasis_inside_math(markdown: str, broken: bool) -> None:
    assert bool(emphasis_in_math(markdown)) is broken


def test_plain_commonmark_reads_a_table_as_one_paragraph() -> None:
    """Row 24 of the old notation table: two cells, one emphasis across them."""
    row = "| $w^{l}_{mn}$ | weight | $W^{l}$: $(n_{l-1}, n_l)$ |"
    table = "| a | b | c |\n| --- | --- | --- |\n" + row
    assert not emphasis_in_math(table, tables=True) and emphasis_in_math(table, tables=False)


def test_every_link_inside_the_derivation_lands() -> None:
    """``(#eq-n)`` names a ``\\tag{n}`` (the site's per-equation anchor), and any other ``(#x)`` a
    heading, as GitHub and the site spell its anchor (lower case, punctuation dropped, spaces to
    hyphens)."""
    text = DERIVATION.read_text(encoding="utf-8")
    tags = {n.strip() for tag in re.findall(r"\\tag\{([^}]*)\}", text) for n in tag.split(",")}
    headings = {
        re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
        for title in re.findall(r"^#+ (.*)$", text, re.M)
    }
    targets = re.findall(r"\]\(#([^)]+)\)", text)
    assert any(target.startswith("eq-") for target in targets)
    for target in targets:
        if target.startswith("eq-"):
            assert target.removeprefix("eq-") in tags, target
        else:
            assert target in headings, target
