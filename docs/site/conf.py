"""Sphinx configuration of the documentation site (the ``docs`` extra, and KaTeX: npm ci).

Built from the repository root with::

    sphinx-build -W --keep-going -b dirhtml -c docs/site docs build/site

The source directory is ``docs/`` itself, so the pages are the repository's own files, not copies
that could drift: ``docs/index.md`` includes the README, ``docs/*.md`` and the walkthrough
notebook (stored executed, not run here) are pages as they are, and ``docs/api/`` holds the API
reference, generated from the numpydoc docstrings. Every ``$...$`` and ``$$...$$`` is rendered
to HTML by KaTeX (``node``, the version pinned in ``docs/site/package-lock.json``) while the site
is built, so a page needs no script and no network to show its math; a display with
``\\tag{n}`` gets the anchor ``eq-n`` (``derivation/#eq-16``).
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import ExtensionError
from sphinx.transforms import SphinxTransform

SITE = Path(__file__).resolve().parent
ROOT = SITE.parents[1]
KATEX = SITE / "node_modules" / "katex" / "dist"
sys.path.insert(0, str(ROOT))

project = "manual-backprop"
author = "The manual-backprop developers"
copyright = "The manual-backprop developers"
release = version = importlib.import_module("manual_backprop").__version__

extensions = [
    "myst_nb",  # Markdown pages (MyST-Parser) and the walkthrough notebook
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinxcontrib.katex",
]
root_doc = "index"
exclude_patterns = ["site", "img", "_build", "**/.ipynb_checkpoints", "walkthrough.py"]
# the README's shell block has a placeholder (<this repository's URL>) the lexer reads as a
# quote: it is shown plain, which is right
suppress_warnings = ["misc.highlighting_failure"]

# Markdown: $...$ math, GitHub-style heading anchors (#errata, #5-the-algorithm-section-15)
myst_enable_extensions = ["dollarmath"]
myst_dmath_double_inline = True
myst_heading_anchors = 3
nb_execution_mode = "off"  # docs/walkthrough.ipynb is stored executed (tests/test_docs.py)
nb_merge_streams = True

# the API reference: autodoc reads the docstrings, numpydoc their sections, autosummary the tables
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc sections give every type and shape
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
default_role = "code"  # a single-backtick name reads as code, as in help()

# KaTeX, rendered at build time with the pinned npm package (render_latex below): the pages carry
# no script for math; its CSS and fonts are served from the site itself
katex_prerender = True
katex_js_path = str(KATEX / "katex.min.js")  # the pinned KaTeX, not the copy in the wheel
katex_css_path = "katex/katex.min.css"

html_theme = "pydata_sphinx_theme"
html_title = "manual-backprop"
html_static_path = ["_static"]
html_css_files = ["site.css"]
html_js_files = ["search-snippets.js"]
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "header_links_before_dropdown": 8,
    "secondary_sidebar_items": ["page-toc"],
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"**": []}


# KaTeX renders every formula of the site in one ``node`` run per build (sphinxcontrib-katex's
# own render server, a socket per build, left node processes behind and sometimes refused the
# connection): the formulas are collected once every page is read, and its HTML visitors take
# them from here.
_RENDER = """
const katex = require(process.argv[1]);
const items = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(items.map(([tex, display]) => katex.renderToString(tex, {
  displayMode: display, output: "htmlAndMathml", throwOnError: true, strict: "ignore",
}))));
"""
_RENDERED: dict[tuple[str, bool], str] = {}


def _render(formulas: list[tuple[str, bool]]) -> None:
    todo = sorted({formula for formula in formulas if formula not in _RENDERED})
    if not todo:
        return
    done = subprocess.run(
        ["node", "-e", _RENDER, str(KATEX / "katex.min.js")], input=json.dumps(todo),
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    if done.returncode != 0:
        raise ExtensionError(f"KaTeX failed: {done.stderr[-2000:]}")
    _RENDERED.update(zip(todo, json.loads(done.stdout)))


def render_latex(latex: str, options: dict[str, Any] | None = None) -> str:
    """sphinxcontrib-katex's renderer, answered from the one KaTeX run."""
    formula = (latex, bool(options and options.get("displayMode")))
    _render([formula])
    return _RENDERED[formula]


def _render_all(app: Any, env: Any) -> None:
    formulas: list[tuple[str, bool]] = []
    for docname in sorted(env.found_docs):
        doctree = env.get_doctree(docname)
        formulas += [(node.astext(), False) for node in doctree.findall(nodes.math)]
        formulas += [(node.astext(), True) for node in doctree.findall(nodes.math_block)]
    _render(formulas)


def _katex_assets(app: Any) -> None:
    """KaTeX's stylesheet and fonts go to ``_static/katex``: nothing comes from another host."""
    if not (KATEX / "katex.min.js").is_file():
        raise ExtensionError("KaTeX is missing: run npm ci --prefix docs/site")
    from sphinxcontrib import katex

    katex.render_latex = render_latex
    target = Path(app.outdir) / "_static" / "katex"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(KATEX / "katex.min.css", target)
    shutil.copytree(KATEX / "fonts", target / "fonts", dirs_exist_ok=True)


_GITHUB_MATH = re.compile(r"\$`(.+?)`\$")
_README_DOCS = re.compile(r"\]\(docs/")


def _readme(app: Any, relative_path: Path, parent_docname: str, content: list[str]) -> None:
    """The README, included as the home page: its ``docs/`` links are pages of the site (and
    GitHub's math form is read as in the pages)."""
    if Path(relative_path).name == "README.md":
        content[0] = _GITHUB_MATH.sub(r"$\1$", _README_DOCS.sub("](", content[0]))


def _github_math(app: Any, docname: str, source: list[str]) -> None:
    """GitHub's ``$`...`$`` inline form is plain ``$...$`` here."""
    source[0] = _GITHUB_MATH.sub(r"$\1$", source[0])


_AUTOMODULE = re.compile(r"^\.\. automodule:: ([\w.]+)$", re.M)


def _module_tables(app: Any, docname: str, source: list[str]) -> None:
    """On the API pages each ``automodule`` gets a table of the module's ``__all__`` (each name
    linked to its entry). A package lists the names it re-exports and documents none of them:
    each is documented once, in the module that defines it."""
    if not docname.startswith("api/"):
        return

    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        module = importlib.import_module(name)
        package = hasattr(module, "__path__")
        lines = [match.group(0)]
        if package:
            lines.append("   :no-members:")
        names = getattr(module, "__all__", [])
        if names:
            lines += ["", "   .. autosummary::", "", *(f"      {n}" for n in names)]
        return "\n".join(lines)

    source[0] = _AUTOMODULE.sub(expand, source[0])


def _locate(name: str) -> Any:
    """What ``name`` is as an attribute path: a package's attribute before its submodule."""
    parts = name.split(".")
    try:
        obj: Any = importlib.import_module(parts[0])
        for i, part in enumerate(parts[1:], start=1):
            if hasattr(obj, part):
                obj = getattr(obj, part)
            else:
                obj = importlib.import_module(".".join(parts[: i + 1]))
    except ImportError:
        return None
    return obj


def _reexported(app: Any, doctree: nodes.document) -> None:
    """A name a package re-exports (``manual_backprop.gradients``, or ``gradients`` in the
    package's own docstring) links to the entry of the module that defines it, not to a module
    of the same name (``manual_backprop.gradients`` is also a module: the function shadows it)."""
    for node in doctree.findall(addnodes.pending_xref):
        if node.get("refdomain") != "py" or node.get("reftype") == "mod":
            continue
        module, target = node.get("py:module"), node["reftarget"].lstrip(".")
        for name in ([f"{module}.{target}"] if module else []) + [target]:
            obj = _locate(name)
            home, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
            if obj is not None and not inspect.ismodule(obj) and home and qualname:
                node["reftarget"], node["refspecific"] = f"{home}.{qualname}", False
                break


_TAG = re.compile(r"\\tag\{([^}]*)\}")


class EquationAnchors(SphinxTransform):
    """A display with ``\\tag{16}`` is ``#eq-16``; ``\\tag{9, 10}`` is ``#eq-9`` and ``#eq-10``.

    Each anchor is an explicit target of the page, so that a Markdown link ``[(16)](#eq-16)``
    resolves (MyST's ``ResolveAnchorIds``, priority 879, runs after this one). Sections keep
    their GitHub anchors too (``#5-the-algorithm-section-15``), so that a link to the derivation
    reads the same on GitHub and on the site."""

    default_priority = 870

    def apply(self, **kwargs: Any) -> None:
        document = self.document
        for block in document.findall(nodes.math_block):
            tag = _TAG.search(block.astext())
            if tag:
                ids = [f"eq-{n.strip()}" for n in tag.group(1).split(",")]
                block["ids"] = ids + [i for i in block["ids"] if i not in ids]
                block["classes"].append("tagged")
                for anchor in ids:
                    block["names"].append(anchor)
                    document.ids[anchor] = block
                    document.nameids[anchor] = anchor
                    document.nametypes[anchor] = True
        for section in document.findall(nodes.section):
            slug = section.get("slug")
            if slug and slug not in section["ids"]:
                section["ids"].append(slug)


_CODE_NAME = re.compile(r'(<code class="[^"]*\bliteral\b[^"]*">)(.*?)(</code>)', re.S)


def _code_breaks(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """A code name in the text may wrap after a dot, an underscore or a slash (``<wbr>``), and
    nowhere else (site.css): ``manual_backprop.activations.relu``, never ``activations.r|elu``."""
    if "body" in context:

        def breaks(match: re.Match[str]) -> str:
            parts = re.split(r"(<[^>]*>)", match.group(2))  # text, tag, text, ...
            parts[::2] = [re.sub(r"(?<=[._/])(?=\w)", "<wbr>", text) for text in parts[::2]]
            return match.group(1) + "".join(parts) + match.group(3)

        context["body"] = _CODE_NAME.sub(breaks, context["body"])


def setup(app: Any) -> None:
    # an autosummary line is the docstring's first sentence, which "eq. (16)" does not end
    from sphinx.ext import autosummary

    autosummary.WELL_KNOWN_ABBREVIATIONS += (" eq.", " eqs.", "(eq.", "(eqs.", "Eq.", "Eqs.")

    app.connect("html-page-context", _code_breaks)
    app.connect("builder-inited", _katex_assets)
    app.connect("env-updated", _render_all)
    app.connect("include-read", _readme)
    app.connect("source-read", _github_math)
    app.connect("source-read", _module_tables)
    app.connect("doctree-read", _reexported)
    app.add_transform(EquationAnchors)
