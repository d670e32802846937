"""Embeds in Chromium: a site the organization allowed shows the program in a frame, another is refused."""

import pytest

from tests.e2e.conftest import CHROMIUM_ARGS, log_in  # noqa: F401  (fixtures come from conftest)

HOST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Library</title>
</head><body><h1>Our library</h1><iframe id="program" title="Program" src="{src}"
width="600" height="400"></iframe></body></html>"""


def _host(context, origin, embed_url):
    """Serve a library's page at ``origin`` (from the test, not from the network)."""
    context.route(f"{origin}/library.html", lambda route: route.fulfill(
        status=200, content_type="text/html", body=HOST_PAGE.format(src=embed_url)))


def test_allowed_origin_shows_the_embed_and_another_is_refused(browser, live_server, page):
    allowed, refused = "http://localhost:8111", "http://localhost:8112"
    log_in(page)
    page.goto("/manage/orgs/biblinsa/embed?lang=en")
    page.get_by_label("Websites allowed to show the program in a frame").fill(allowed)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/manage/orgs/biblinsa/embed**")
    embed_url = live_server("/embed/orgs/biblinsa")

    context = browser.new_context()
    requests = []
    context.on("request", lambda request: requests.append(request.url))
    try:
        for origin in (allowed, refused):
            _host(context, origin, embed_url)
        library = context.new_page()
        library.goto(f"{allowed}/library.html")
        frame = library.frame_locator("#program")
        frame.locator(".embed-event").first.wait_for()
        assert frame.locator("a[target=_blank][rel=noopener]").count() > 0

        other = context.new_page()
        refusals = []
        other.on("console", lambda message: refusals.append(message.text))
        other.goto(f"{refused}/library.html")
        other.wait_for_load_state("load")
        (embedded,) = [f for f in other.frames if f != other.main_frame]
        assert embedded.url.startswith("chrome-error://") or \
            embedded.locator(".embed-event").count() == 0
        assert any("frame-ancestors" in text for text in refusals), refusals
    finally:
        context.close()
    # The embed asked nothing of any origin but the app's own (the library pages are local).
    foreign = [u for u in requests if not u.startswith((live_server.url, allowed, refused,
                                                        "chrome-error:", "data:"))]
    assert foreign == []


pytestmark = pytest.mark.e2e
