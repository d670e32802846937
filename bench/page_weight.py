"""What a visitor's browser downloads for one page: bytes by kind and the request count.

With Playwright and Debian's Chromium, the page is loaded in a real browser
(JavaScript off, like Tor Browser at its safest) and every response is counted,
so fonts are only those the browser actually picks. Without them, the HTML is
parsed for its stylesheets, icons and images, and the stylesheets for the
first format of each ``@font-face``.
"""

import gzip
import os
import re
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

CHROMIUM = "/usr/bin/chromium"
KINDS = {"document": "html", "stylesheet": "css", "font": "fonts", "image": "images"}


def _summary(entries: list[tuple[str, str, bytes]], method: str, origin: str) -> dict:
    by_kind: dict[str, int] = {}
    gzipped = 0
    for kind, _url, body in entries:
        by_kind[kind] = by_kind.get(kind, 0) + len(body)
        if kind != "fonts":
            gzipped += len(gzip.compress(body, 6))
    total = sum(by_kind.values())
    return {
        "method": method,
        "requests": len(entries),
        "bytes": by_kind,
        "bytes_before_fonts": total - by_kind.get("fonts", 0),
        "bytes_before_fonts_gzip": gzipped,
        "bytes_total": total,
        "other_origins": sorted({u for _k, u, _b in entries if not u.startswith(origin)}),
    }


def measure(url: str) -> dict:
    """The page's weight and request count, in a browser when one is available."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is not None and os.access(CHROMIUM, os.X_OK):
        return _with_browser(url, sync_playwright)
    return _by_parsing(url)


def _with_browser(url: str, sync_playwright) -> dict:
    entries = []
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(java_script_enabled=False,
                                      viewport={"width": 1280, "height": 900})
        page = context.new_page()
        responses = []
        page.on("response", lambda response: responses.append(response))
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        for response in responses:
            kind = KINDS.get(response.request.resource_type, response.request.resource_type)
            try:
                body = response.body()
            except Exception:  # a redirect has no body
                body = b""
            entries.append((kind, response.url, body))
        context.close()
        browser.close()
    return _summary(entries, "chromium", origin)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rel = (attrs.get("rel") or "").split()
        if tag == "link" and "stylesheet" in rel and attrs.get("href"):
            self.found.append(("css", attrs["href"]))
        elif tag == "link" and "icon" in rel and attrs.get("href"):
            self.found.append(("images", attrs["href"]))
        elif tag == "img" and attrs.get("src"):
            self.found.append(("images", attrs["src"]))


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def _by_parsing(url: str) -> dict:
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    html = _get(url)
    entries = [("html", url, html)]
    parser = _Links()
    parser.feed(html.decode("utf-8", "replace"))
    seen = set()
    for kind, href in parser.found:
        target = urljoin(url, href)
        if target in seen or target.startswith("data:"):
            continue
        seen.add(target)
        body = _get(target)
        entries.append((kind, target, body))
        if kind == "css":
            # The first source of each @font-face: the one a modern browser takes.
            for face in re.findall(r"@font-face\s*{[^}]*}", body.decode("utf-8", "replace")):
                first = re.search(r"url\(['\"]?([^'\")]+)", face)
                if first:
                    font = urljoin(target, first.group(1))
                    if font not in seen:
                        seen.add(font)
                        entries.append(("fonts", font, _get(font)))
    return _summary(entries, "parsed (no browser: fonts may be over-counted)", origin)
