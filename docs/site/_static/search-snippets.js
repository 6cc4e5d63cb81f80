// Search result snippets show a formula as its TeX ($\delta^l_n$), not as the text of KaTeX's
// HTML and MathML flattened together ("δnl​=∂J/∂znl​"). Sphinx's searchtools.js builds each
// snippet with Search.htmlToText from the page's HTML; this replaces every rendered formula by
// its TeX annotation first. Loaded on every page; it acts only where the search runs.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || !Search.htmlToText) return;
  const htmlToText = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const page = new DOMParser().parseFromString(htmlString, "text/html");
    page.querySelectorAll(".katex").forEach((formula) => {
      const tex = formula.querySelector('annotation[encoding="application/x-tex"]');
      formula.replaceWith(tex ? ` $${tex.textContent.trim()}$ ` : " ");
    });
    return htmlToText(page.documentElement.outerHTML, anchor);
  };
});
