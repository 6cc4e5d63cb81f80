"""The site's screenshots, ``docs/img/site-*.png``, at a desktop's 1280 px and a phone's 390 px.

Headless Chromium (the system's, ``apt-get install chromium``) driven by Playwright
(``pip install playwright``; no browser download: it is told where Chromium is) on the built site,
served over HTTP on the loopback as a reader would serve it. A maintainer's tool, not run in CI::

    sphinx-build -W --keep-going -b dirhtml -c docs/site docs build/site
    python docs/site/screenshots.py build/site
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

IMG = Path(__file__).resolve().parents[1] / "img"
CHROMIUM = "/usr/bin/chromium"
#: (file name, width, height, page and anchor)
SHOTS = (
    ("site-derivation-1280.png", 1280, 900, "derivation/#eq-16"),
    ("site-derivation-390.png", 390, 844, "derivation/#eq-42"),
    ("site-api-1280.png", 1280, 900, "api/manual_backprop/#module-manual_backprop.backward"),
    ("site-walkthrough-390.png", 390, 844,
     "walkthrough/#step-2-the-deltas-eq-44-at-the-output-then-eq-16-down-the-layers"),
)  # fmt: skip


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # one line per file is noise
        pass


def main(site: str) -> int:
    handler = functools.partial(_QuietHandler, directory=site)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for name, width, height, page_and_anchor in SHOTS:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(root + page_and_anchor)
                page.wait_for_timeout(500)
                page.screenshot(path=str(IMG / name))
                print(IMG / name)
            browser.close()
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "build/site"))
