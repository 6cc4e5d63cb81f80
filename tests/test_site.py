"""The documentation site builds with no warning, renders its math with no network, and reads.

``sphinx-build -W --keep-going -b dirhtml -c docs/site docs build/site`` (the ``docs`` extra,
and KaTeX from ``npm ci --prefix docs/site``). The derivation page must show every ``\\tag{n}``
of ``docs/derivation.md`` as rendered math with the anchor ``eq-n``, and no raw TeX; the API
pages show no literal Sphinx role; no page fetches a script, a stylesheet or a font from another
host. The layout checks (phone width, tables, anchors) read the built HTML and the site's CSS,
``docs/site/_static/site.css``: screenshots are in ``docs/img/site-*.png``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "docs" / "site"
#: The build command, as .ci/run and the README give it (the output folder aside).
BUILD = ("sphinx-build", "-W", "--keep-going", "-b", "dirhtml", "-c", "docs/site", "docs")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built here; or, where ``MANUAL_BACKPROP_SITE`` names a folder, that one: .ci/run
    builds the site with -W just before the tests and checks that build instead of a second."""
    built = os.environ.get("MANUAL_BACKPROP_SITE")
    if built:
        assert (Path(built) / "derivation" / "index.html").is_file(), built
        return Path(built)
    pytest.importorskip("sphinx", reason="the docs extra: pip install -e '.[docs]'")
    if not (SITE / "node_modules" / "katex").is_dir() and os.environ.get("CI") != "true":
        pytest.skip("KaTeX is not installed: npm ci --prefix docs/site")
    out = tmp_path_factory.mktemp("site") / "html"
    log = out.parent / "build.log"
    with log.open("w") as handle:  # a file, not a pipe: KaTeX's node server shares stderr
        done = subprocess.run(
            [sys.executable, "-m", "sphinx", *BUILD[1:], str(out), "-q"],
            stdout=handle, stderr=subprocess.STDOUT, timeout=300, check=False, cwd=ROOT,
        )  # fmt: skip
    output = log.read_text(encoding="utf-8")
    assert done.returncode == 0, output[-3000:]
    assert "WARNING" not in output, output
    return out


def _page(site: Path, name: str) -> str:
    return (site / name / "index.html").read_text(encoding="utf-8")


def _visible_text(html: str) -> str:
    """The text a reader sees: no script, style, KaTeX's hidden MathML copy, nor tags."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<span class="katex-mathml">.*?</math></span>', " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _css_rules() -> dict[str, dict[str, str]]:
    """docs/site/_static/site.css as {selector: {property: value}}; at-rules read flat."""
    css = re.sub(r"/\*.*?\*/", "", (SITE / "_static" / "site.css").read_text(), flags=re.S)
    css = re.sub(r"@media[^{]*\{((?:[^{}]*\{[^}]*\})*)\s*\}", r"\1", css)
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        declarations = dict(
            (name.strip(), value.strip())
            for name, _, value in (d.partition(":") for d in body.split(";") if ":" in d)
        )
        for selector in selectors.split(","):
            rules.setdefault(" ".join(selector.split()), {}).update(declarations)
    return rules


def test_every_numbered_equation_is_rendered_with_its_anchor(site: Path) -> None:
    source = (ROOT / "docs" / "derivation.md").read_text(encoding="utf-8")
    tags = [n.strip() for tag in re.findall(r"\\tag\{([^}]*)\}", source) for n in tag.split(",")]
    assert len(tags) == 44 and set(tags) == {str(n) for n in range(1, 45)}
    page = _page(site, "derivation")
    for n in tags:
        anchor = page.find(f'id="eq-{n}"')
        assert anchor > 0, n
        block = page[page.rfind("<div ", 0, anchor + 1) :][:4000]
        assert re.match(r'<div class="[^"]*\bmath\b', block), n
        assert 'class="katex-display"' in block, n
    text = _visible_text(page)
    for raw in ("$$", "\\frac", "\\tag", "\\partial", "$"):
        assert raw not in text, raw


def test_every_link_within_the_derivation_lands_on_an_anchor(site: Path) -> None:
    """The errata's ``[(16)](#eq-16)`` links are page-local: each must name an id of the page."""
    page = _page(site, "derivation")
    links = set(re.findall(r'href="#([^"]+)"', page))
    assert {"eq-16", "eq-42"} <= links
    missing = sorted(anchor for anchor in links if f'id="{anchor}"' not in page)
    assert not missing, missing


def test_the_walkthrough_is_rendered_with_its_figures_and_math(site: Path) -> None:
    page = _page(site, "walkthrough")
    figures = re.findall(r'<img [^>]*src="\.\./_images/([^"]+\.png)"', page)
    assert len(figures) >= 5 and all((site / "_images" / name).is_file() for name in figures)
    text = _visible_text(page)
    assert page.count('class="katex"') > 10 and "$" not in text
    assert "n_{l-1}" not in text  # the layout (n_{l-1}, n_l) is math, not plain TeX
    assert 'href="derivation.md"' not in page and 'href="../derivation/"' in page  # a page link


def test_the_walkthrough_is_called_walkthrough_in_the_navigation(site: Path) -> None:
    nav = re.search(
        r'<ul class="bd-navbar-elements navbar-nav">(.*?)</ul>', _page(site, "derivation"), re.S
    )
    assert nav, "no navigation bar"
    links = re.findall(r'href="([^"]+)"[^>]*>\s*([^<]+?)\s*</a>', nav.group(1))
    assert ("../walkthrough/", "Walkthrough") in links, links


def test_the_api_reference_has_every_public_function(site: Path) -> None:
    pages = {
        name: _page(site, f"api/{name}")
        for name in ("manual_backprop", "checks", "torch_reference")
    }
    for name, identifier in (
        ("manual_backprop", "manual_backprop.algorithm.gradients"),
        ("manual_backprop", "manual_backprop.backward.backward_deltas"),
        ("checks", "manual_backprop.checks.symbolic.proofs"),
        ("checks", "manual_backprop.checks.exact.exact_trace"),
        ("torch_reference", "torch_reference.oracle.gradients"),
        ("torch_reference", "torch_reference.claims.relative_check"),
    ):
        assert f'id="{identifier}"' in pages[name], identifier


def test_the_api_reference_shows_no_literal_role_and_links_its_references(site: Path) -> None:
    """:func:`gradients` is a link to the function's entry, never the text ":func:"."""
    for page in site.rglob("*.html"):
        text = _visible_text(page.read_text(encoding="utf-8"))
        found = re.findall(r":(?:func|class|mod|data|meth|attr|math|obj):", text)
        assert not found, (page.relative_to(site), found[:5])
    html = _page(site, "api/manual_backprop")
    # the package's docstring names gradients, which it re-exports: a link to where it is
    # defined, not to the module manual_backprop.gradients
    contract = html[html.find("The public contract") :]
    contract = contract[: contract.find("<table")]
    linked = re.findall(
        r'<a class="reference internal" href="([^"]+)"[^>]*><code[^>]*>(.*?)</code>', contract
    )
    targets = {re.sub(r"<[^>]+>", "", text): href for href, text in linked}
    assert targets.get("gradients()") == "#manual_backprop.algorithm.gradients", targets
    assert targets.get("deltas()") == "#manual_backprop.algorithm.deltas", targets
    assert re.search(
        r'href="#module-manual_backprop\.heads"', html
    )  # :mod:`~manual_backprop.heads`
    assert re.search(r'href="\.\./torch_reference/#module-torch_reference"', html)  # another page


def test_the_math_in_docstrings_is_rendered_like_the_pages(site: Path) -> None:
    html = _page(site, "api/manual_backprop")
    start = html.find('id="module-manual_backprop.backward"')
    module = html[start : html.find('id="module-manual_backprop.heads"')]  # its docstring
    module = module[: module.find("<table")]
    assert module.count('class="katex"') >= 3, "the backward module's formulas are not rendered"
    assert "\\delta" not in _visible_text(module)


def test_no_page_fetches_anything_from_another_host(site: Path) -> None:
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        found = re.findall(r'<(?:script|link|img)\b[^>]*(?:src|href)="(?:https?:)?//[^"]*"', html)
        assert not found, (page, found)
        assert "fonts.googleapis" not in html, page
    for sheet in site.rglob("*.css"):
        found = re.findall(r"(?:@import|url\()\s*['\"]?(?:https?:)?//", sheet.read_text("utf-8"))
        assert not found, sheet


def test_every_link_of_the_certificate_lands_on_the_site(site: Path) -> None:
    from torch_reference.claims import run_checks
    from torch_reference.commands.verify import equation_link

    page = _page(site, "derivation")
    equations = {row.equation for row in run_checks(dtypes=("float64",), oracles=("autograd",))}
    equations |= {"(43)/(44)", "(35)/(36)", "erratum 4", "row form", "sec. 1.5"}
    for equation in equations:
        link = equation_link(equation)
        assert link.startswith("derivation/#"), link
        assert f'id="{link.split("#")[1]}"' in page, (equation, link)


def test_every_display_equation_scrolls_in_its_own_box_with_its_tag_beside_it(site: Path) -> None:
    """At 390 px a formula wider than the column scrolls inside its box, and its tag sits in room
    kept free beside the formula's line, never over it (screenshots: docs/img/site-*-390.png)."""
    rules = _css_rules()
    box = rules.get("div.math", {})
    assert box.get("overflow-x") in {"auto", "scroll"} and box.get("display") == "block", box
    line = rules.get("div.math .katex-display > .katex > .katex-html", {})
    assert line.get("width") == "max-content" and line.get("min-width") == "100%", line
    assert line.get("max-width") == "none" and line.get("overflow") == "visible", (
        line
    )  # not clipped
    assert rules.get("div.math .katex-display > .katex", {}).get("max-width") == "none"
    tagged = rules.get("div.math.tagged .katex-display > .katex > .katex-html", {})
    padding = tagged.get("padding", "0").split()
    assert float(re.sub(r"[a-z%]+$", "", padding[min(1, len(padding) - 1)])) >= 4, tagged
    page = _page(site, "derivation")
    blocks = re.findall(r'<div class="([^"]*\bmath\b[^"]*)"( id="eq-[^"]+")?', page)
    assert len(blocks) > 44
    for classes, anchor in blocks:
        assert ("tagged" in classes.split()) == bool(anchor), (classes, anchor)
    head = page[: page.find("</head>")]
    sheets = re.findall(r'<link rel="stylesheet"[^>]*href="([^"?]+)', head)
    assert sheets[-1].endswith("_static/site.css"), sheets  # last, so that its rules win ties


def test_an_anchor_lands_with_its_lead_in_in_view(site: Path) -> None:
    rules = _css_rules()
    margin = rules.get('[id^="eq-"]', {}).get("scroll-margin-top", "0")
    assert float(re.sub(r"[a-z]+$", "", margin)) >= 4, margin  # about three lines, in em


def test_tables_scroll_in_their_box_and_break_between_words(site: Path) -> None:
    rules = _css_rules()
    for selector in (".bd-content table th", ".bd-content table td:first-child"):
        assert rules.get(selector, {}).get("white-space") == "nowrap", selector
    cell = rules.get(".bd-content table td", {})
    assert cell.get("overflow-wrap") == "normal" and cell.get("word-break") == "normal", cell
    for name in ("performance", "derivation", "certificate", "verification"):
        html = _page(site, name)
        tables = html.count("<table")
        assert tables and html.count('<div class="pst-scrollable-table-container">') == tables, name
    # a code name wraps only after a dot or an underscore
    errata = _page(site, "derivation")
    assert "test_<wbr>symbolic.<wbr>py" in errata
    assert re.search(r"manual_<wbr>backprop/<wbr>|manual_<wbr>backprop\.<wbr>", errata)


def test_the_performance_page_lists_its_contenders(site: Path) -> None:
    html = _page(site, "performance")
    lead = html.find("median over runs of per-process medians.")
    assert lead > 0
    following = html[lead : lead + 400]
    assert re.search(r"</p>\s*<ul", following), following
    assert not re.search(r"medians\. - <code", _visible_text(html))


def test_the_certificate_tables_read_as_written(site: Path) -> None:
    html = _page(site, "certificate")
    first = html[html.find("<table") : html.find("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", first, re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]
    assert all(len(row) == 3 for row in cells), [len(row) for row in cells]
    keys = {_visible_text(row[0]).strip(): _visible_text(row[2]) for row in cells}
    assert "link" not in keys, "link is a key of each check, not of the certificate"
    assert "true only if every check passed" in keys["passed"]
    text = " ".join(_visible_text(html).split())
    assert "max |manual - oracle| / max(scale)" in text  # a | in code does not end the cell


def test_search_finds_words_next_to_punctuation_and_shows_tex(site: Path) -> None:
    index = (site / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(index[index.find("(") + 1 : index.rfind(")")])
    pages = data["terms"]["hadamard"]
    pages = [pages] if isinstance(pages, int) else pages
    assert data["docnames"].index("derivation") in pages  # "(Hadamard)" in the derivation
    search = _page(site, "search")
    assert re.search(r'<script src="\.\./_static/search-snippets\.js', search)
    script = (site / "_static" / "search-snippets.js").read_text(encoding="utf-8")
    assert "Search.htmlToText" in script and 'annotation[encoding="application/x-tex"]' in script


def test_the_readme_builds_and_serves_the_site_as_ci_does() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = " ".join(BUILD)
    assert command in readme and command in ci
    assert "python -m http.server" in readme
