"""MkDocs hooks for the documentation site: pages from the repository, math rendered at build time.

* ``on_files``: the pages are the repository's own files, not copies that could drift: the README
  becomes the home page (its ``docs/`` links rewritten), and ``docs/*.md``, the walkthrough
  notebook and ``docs/img`` are added as they are; KaTeX's stylesheet and fonts are served from
  the site itself.
* ``on_page_markdown`` / ``on_page_content``: every ``$...$`` and ``$$...$$`` outside code is
  rendered to HTML by KaTeX (``node``, the package pinned in ``docs/site/package.json``) before
  the page is written, so the site needs no script and no network to show its math; a display
  with ``\\tag{n}`` gets the anchor ``eq-n`` (``derivation/#eq-16``).
"""

from __future__ import annotations

import json
import re
import subprocess
from html import unescape
from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

SITE = Path(__file__).resolve().parent
ROOT = SITE.parents[1]
DOCS = ROOT / "docs"
KATEX = SITE / "node_modules" / "katex"
#: Pages taken from docs/ as they are.
PAGES = ("derivation.md", "performance.md", "verification.md", "certificate.md",
         "walkthrough.ipynb")  # fmt: skip

_RENDER = """
const katex = require(process.argv[1]);
const items = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = items.map(([tex, display]) => katex.renderToString(tex, {
  displayMode: display, output: "html", throwOnError: true, strict: "ignore",
}));
process.stdout.write(JSON.stringify(out));
"""
_FENCE = re.compile(r"^(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_DISPLAY = re.compile(r"\$\$(.+?)\$\$")
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$(?!\$)")
_TAG = re.compile(r"\\tag\{([^}]*)\}")


@event_priority(100)  # before mkdocs-jupyter's, which turns the notebook it finds into a page
def on_files(files: Files, config: Any) -> Files:
    if not KATEX.is_dir():
        raise RuntimeError(f"KaTeX is missing: run npm ci --prefix {SITE.relative_to(ROOT)}")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    readme = re.sub(r"\]\(docs/", "](", readme)
    files.append(File.generated(config, "index.md", content=readme))
    for name in PAGES:
        files.append(File(name, str(DOCS), config["site_dir"], config["use_directory_urls"]))
    for image in sorted((DOCS / "img").glob("*.png")):
        files.append(
            File(f"img/{image.name}", str(DOCS), config["site_dir"], config["use_directory_urls"])
        )
    dist = KATEX / "dist"
    for asset in [dist / "katex.min.css", *sorted((dist / "fonts").iterdir())]:
        relative = asset.relative_to(dist).as_posix()
        files.append(File.generated(config, f"katex/{relative}", abs_src_path=str(asset)))
    return files


def _render(items: list[tuple[str, bool]]) -> list[str]:
    if not items:
        return []
    done = subprocess.run(
        ["node", "-e", _RENDER, str(KATEX)], input=json.dumps(items), capture_output=True,
        text=True, check=False, timeout=120,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"KaTeX failed: {done.stderr[-2000:]}")
    return list(json.loads(done.stdout))


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Each formula outside code becomes a placeholder; KaTeX renders them all at once."""
    if page.file.src_uri.endswith(".ipynb"):
        return markdown  # mkdocs-jupyter renders the notebook; on_page_content takes its math
    formulas: list[tuple[str, bool]] = []

    def hold(tex: str, display: bool) -> str:
        formulas.append((tex, display))
        return f"KATEXFORMULA{len(formulas) - 1}X"

    out, fenced = [], False
    for line in markdown.split("\n"):
        if _FENCE.match(line.lstrip()):
            fenced = not fenced
        if fenced or _FENCE.match(line.lstrip()):
            out.append(line)
            continue
        pieces = _CODE_SPAN.split(line)  # text, ticks, code, text, ...
        for i in range(0, len(pieces), 3):
            text = _DISPLAY.sub(lambda m: hold(m.group(1), True), pieces[i])
            pieces[i] = _INLINE.sub(lambda m: hold(m.group(1), False), text)
        out.append("".join(
            piece if i % 3 != 1 else piece + pieces[i + 1] + piece
            for i, piece in enumerate(pieces) if i % 3 != 2
        ))  # fmt: skip
    page.meta["katex"] = formulas
    return "\n".join(out)


_SKIP = re.compile(r"(<(pre|code|script|style)\b.*?</\2>)", re.S)


def _notebook_math(html: str) -> str:
    """The notebook's markdown cells reach the page with their ``$...$`` as text: render those,
    outside code, scripts and styles (their TeX is HTML-escaped there)."""
    parts = _SKIP.split(html)  # text, skipped block, its tag name, text, ...
    formulas: list[tuple[str, bool]] = []
    for i in range(0, len(parts), 3):

        def hold(match: re.Match[str], display: bool) -> str:
            formulas.append((unescape(match.group(1)), display))
            return f"KATEXFORMULA{len(formulas) - 1}X"

        text = _DISPLAY.sub(lambda m: hold(m, True), parts[i])
        parts[i] = _INLINE.sub(lambda m: hold(m, False), text)
    rendered = _render(formulas)
    html = "".join(part for i, part in enumerate(parts) if i % 3 != 2)
    html = re.sub(r"KATEXFORMULA(\d+)X", lambda m: rendered[int(m.group(1))], html)
    # the notebook links its neighbours as files (derivation.md); on the site they are pages
    return re.sub(
        r'href="([\w-]+)\.md(#[^"]*)?"',
        lambda m: f'href="../{m.group(1)}/{m.group(2) or ""}"',
        html,
    )


def on_page_content(html: str, page: Any, config: Any, files: Files) -> str:
    if page.file.src_uri.endswith(".ipynb"):
        return _notebook_math(html)
    formulas = page.meta.get("katex", [])
    rendered = _render(formulas)

    def block(index: int) -> str:
        tex, _ = formulas[index]
        tag = _TAG.search(tex)
        ids = [f"eq-{n.strip()}" for n in tag.group(1).split(",")] if tag else []
        anchors = "".join(f'<span id="{i}"></span>' for i in ids[1:])
        first = f' id="{ids[0]}"' if ids else ""
        return f'<div class="math-display"{first}>{anchors}{rendered[index]}</div>'

    html = re.sub(r"<p>KATEXFORMULA(\d+)X</p>", lambda m: block(int(m.group(1))), html)
    return re.sub(r"KATEXFORMULA(\d+)X", lambda m: rendered[int(m.group(1))], html)
