"""The documentation site builds with no warning, and renders its math with no network.

``mkdocs build --strict -f docs/site/mkdocs.yml`` (the ``docs`` extra, and KaTeX from
``npm ci --prefix docs/site``). The derivation page must show every ``\\tag{n}`` of
``docs/derivation.md`` as rendered math with the anchor ``eq-n``, and no raw TeX; no page may
fetch a script, a stylesheet or a font from another host when it is viewed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "docs" / "site"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs", reason="the docs extra: pip install -e '.[docs]'")
    if not (SITE / "node_modules" / "katex").is_dir() and os.environ.get("CI") != "true":
        pytest.skip("KaTeX is not installed: npm ci --prefix docs/site")
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(SITE / "mkdocs.yml"),
         "-d", str(out)],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "WARNING" not in done.stderr, done.stderr
    return out


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_every_numbered_equation_is_rendered_with_its_anchor(site: Path) -> None:
    source = (ROOT / "docs" / "derivation.md").read_text(encoding="utf-8")
    tags = [n.strip() for tag in re.findall(r"\\tag\{([^}]*)\}", source) for n in tag.split(",")]
    assert len(tags) == 44 and set(tags) == {str(n) for n in range(1, 45)}
    page = (site / "derivation" / "index.html").read_text(encoding="utf-8")
    for n in tags:
        anchor = page.find(f'id="eq-{n}"')
        assert anchor > 0, n
        block = page[page.rfind('<div class="math-display"', 0, anchor + 1) :][:4000]
        assert 'class="katex-display"' in block, n
    text = _visible_text(page)
    for raw in ("$$", "\\frac", "\\tag", "\\partial", "$"):
        assert raw not in text, raw


def test_the_walkthrough_is_rendered_with_its_figures_and_math(site: Path) -> None:
    page = (site / "walkthrough" / "index.html").read_text(encoding="utf-8")
    assert page.count("data:image/png") >= 5  # the five figures
    assert page.count('class="katex"') > 10 and "$" not in _visible_text(page)
    assert 'href="derivation.md"' not in page and 'href="../derivation/"' in page  # a page link


def test_the_api_reference_has_every_public_function(site: Path) -> None:
    pages = {name: (site / "api" / name / "index.html").read_text(encoding="utf-8")
             for name in ("manual_backprop", "checks", "torch_reference")}  # fmt: skip
    for name, identifier in (
        ("manual_backprop", "manual_backprop.algorithm.gradients"),
        ("manual_backprop", "manual_backprop.backward.backward_deltas"),
        ("checks", "manual_backprop.checks.symbolic.proofs"),
        ("checks", "manual_backprop.checks.exact.exact_trace"),
        ("torch_reference", "torch_reference.oracle.gradients"),
        ("torch_reference", "torch_reference.claims.relative_check"),
    ):
        assert f'id="{identifier}"' in pages[name], identifier


def test_no_page_fetches_anything_from_another_host(site: Path) -> None:
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        found = re.findall(r'<(?:script|link|img)\b[^>]*(?:src|href)="(https?:)?//[^"]*"', html)
        assert not found, (page, found)
        assert "fonts.googleapis" not in html, page


def test_every_link_of_the_certificate_lands_on_the_site(site: Path) -> None:
    from torch_reference.claims import run_checks
    from torch_reference.commands.verify import equation_link

    page = (site / "derivation" / "index.html").read_text(encoding="utf-8")
    equations = {row.equation for row in run_checks(dtypes=("float64",), oracles=("autograd",))}
    equations |= {"(43)/(44)", "(35)/(36)", "erratum 4", "row form", "sec. 1.5"}
    for equation in equations:
        link = equation_link(equation)
        assert link.startswith("derivation/#"), link
        assert f'id="{link.split("#")[1]}"' in page, (equation, link)
