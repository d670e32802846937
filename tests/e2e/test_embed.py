"""Embeds in Chromium: a site the organization allowed shows the program, another is refused.

The library's pages are served for real, from loopback origins of their own (a
small HTTP server per origin), so that Chromium treats them as the local sites
they are.
"""

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.e2e.conftest import log_in

HOST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Library</title>
</head><body><h1>Our library</h1><iframe id="program" title="Program" src="{src}"
width="600" height="400"></iframe></body></html>"""


@contextmanager
def library_site(embed_url):
    """A library's website on ``http://localhost:<port>`` whose page frames the embed."""
    body = HOST_PAGE.format(src=embed_url).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_allowed_origin_shows_the_embed_and_another_is_refused(browser, live_server, page):
    embed_url = live_server("/embed/orgs/biblinsa")
    with library_site(embed_url) as allowed, library_site(embed_url) as refused:
        log_in(page)
        page.goto("/manage/orgs/biblinsa/embed?lang=en")
        page.get_by_label("Websites allowed to show the program in a frame").fill(allowed)
        page.get_by_role("button", name="Save").click()
        page.wait_for_url("**/manage/orgs/biblinsa/embed**")
        assert page.get_by_text("The list of websites is saved.").count() == 1

        context = browser.new_context()
        requests = []
        context.on("request", lambda request: requests.append(request.url))
        try:
            library = context.new_page()
            library.goto(f"{allowed}/library.html")
            frame = library.frame_locator("#program")
            frame.locator(".embed-event").first.wait_for()
            assert frame.locator("a[target=_blank][rel=noopener]").count() > 0

            other = context.new_page()
            messages = []
            other.on("console", lambda message: messages.append(message.text))
            other.goto(f"{refused}/library.html")
            other.wait_for_load_state("load")
            (embedded,) = [f for f in other.frames if f != other.main_frame]
            assert embedded.url.startswith("chrome-error://") or \
                embedded.locator(".embed-event").count() == 0
            assert any("frame-ancestors" in text for text in messages), messages
        finally:
            context.close()
    # The embed asked nothing of any origin but the app's own (the library pages are the test's).
    foreign = [u for u in requests
               if not u.startswith((live_server.url, allowed, refused, "chrome-error:", "data:"))]
    assert foreign == []
