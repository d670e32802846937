"""Security headers and cookies on every public page.

Walks the URL map: every GET route as an anonymous visitor (arguments filled
in from a demo-shaped world), and checks the headers each response carries,
that a page sets a cookie only when it shows a form, and that HTML pages hold
no inline script or style and nothing from another origin.
"""

import re

import pytest

from tests.conftest import NOW
from tests.privacy.world import build_path, build_world, url_values

# A schema.org JSON-LD block is data that browsers never run: it is the one <script> allowed.
SCRIPT_OR_STYLE = re.compile(r"<script(?!\s+type=\"application/ld\+json\">)|<style|\sstyle=|"
                             r"\son[a-z]+=", re.I)
FOREIGN_ASSET = re.compile(r"""<(?:img|script|link|iframe|source|video|audio)\b[^>]*\b"""
                           r"""(?:src|href)=["']?(?:https?:)?//""", re.I)


@pytest.fixture
def world(app):
    return build_world(NOW)


def public_get_paths(app, world):
    """Every GET route outside the back office, with its arguments filled in."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith("/manage"):
            continue
        paths.append(build_path(app, rule, url_values(rule, world)))
    for slug in ("install-party", "cafe-vie-privee"):
        paths += [f"/events/{slug}/", f"/events/{slug}/register"]
    paths += ["/api/v1/events", f"/api/v1/events/{world.event_slug}",
              f"/api/v1/tickets/{world.ticket_code}"]
    return sorted(set(paths))


def assert_security_headers(response, path):
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    if response.mimetype == "image/svg+xml":
        assert "default-src 'none'" in csp, path
    else:
        assert "default-src 'self'" in csp, path
        assert "form-action 'self'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
    assert "frame-ancestors 'none'" in csp, path
    assert headers.get("Referrer-Policy") == "no-referrer", path
    assert headers.get("X-Content-Type-Options") == "nosniff", path
    assert "camera=()" in headers.get("Permissions-Policy", ""), path
    assert "Strict-Transport-Security" not in headers, path  # plain HTTP here
    assert "Onion-Location" not in headers, path  # not configured


def test_every_public_page_has_the_headers_and_no_needless_cookie(app, world):
    paths = public_get_paths(app, world)
    assert len(paths) > 30
    seen_cookie_pages = []
    for path in paths:
        client = app.test_client()  # a fresh visitor per page: no cookie yet
        response = client.get(path)
        assert response.status_code < 500, path
        assert_security_headers(response, path)
        cookies = response.headers.getlist("Set-Cookie")
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        to_login = response.status_code == 302 and \
            response.headers["Location"].startswith("/login")
        if cookies and not to_login:  # the login page's form gets its token there
            seen_cookie_pages.append(path)
            assert 'method="post"' in body and 'name="csrf_token"' in body, (
                f"{path} sets a cookie but shows no form")
        if path.startswith("/api/"):
            assert not cookies, path
        if body:
            assert not SCRIPT_OR_STYLE.search(body), path
            assert not FOREIGN_ASSET.search(body), path
    # The forms that need a CSRF token do get one (the check above is not vacuous).
    assert f"/events/{world.event_slug}/register" in seen_cookie_pages
    assert "/login" in seen_cookie_pages
    for path in ("/", f"/events/{world.event_slug}/", "/privacy", "/feed.atom",
                 "/api/v1/events", f"/orgs/{world.org_slug}/"):
        assert path not in seen_cookie_pages, path


def test_pages_of_the_back_office_have_the_headers_too(app, world):
    from tests.conftest import login

    client = app.test_client()
    login(client, world.organizer_login, world.organizer_password)
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.rule.startswith("/manage"):
            path = build_path(app, rule, url_values(rule, world))
            response = client.get(path)
            assert response.status_code < 500, path
            assert_security_headers(response, path)
            if response.mimetype == "text/html":
                assert not SCRIPT_OR_STYLE.search(response.get_data(as_text=True)), path


def test_plain_http_session_cookie_is_httponly_and_lax(app, world):
    client = app.test_client()
    response = client.get("/login")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires" not in cookie and "Max-Age" not in cookie  # gone when the browser closes


class TestBehindHttps:
    @pytest.fixture
    def app_config(self):
        return {"HTTPS": True, "PROXY_HOPS": 1}

    def test_session_cookie_is_host_prefixed_and_secure(self, app, world):
        client = app.test_client()
        response = client.get("/login", base_url="https://localhost")
        cookie = response.headers["Set-Cookie"]
        assert cookie.startswith("__Host-session=")
        attributes = [part.strip() for part in cookie.split(";")]
        assert "Secure" in attributes and "HttpOnly" in attributes
        assert "Path=/" in attributes and "SameSite=Lax" in attributes
        assert not any(a.lower().startswith("domain=") for a in attributes)

    def test_hsts_only_when_the_request_came_over_https(self, app, world):
        client = app.test_client()
        proxied = client.get("/", base_url="http://localhost",
                             headers={"X-Forwarded-Proto": "https"})
        assert proxied.headers["Strict-Transport-Security"].startswith("max-age=")
        plain = client.get("/", base_url="http://localhost")
        assert "Strict-Transport-Security" not in plain.headers

    def test_login_works_without_a_referer(self, app, world):
        client = app.test_client()
        page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = client.post("/login", base_url="https://localhost",
                               data={"csrf_token": token, "login": world.organizer_login,
                                     "password": world.organizer_password})
        assert response.status_code == 302
        assert client.get("/manage/", base_url="https://localhost").status_code == 200


class TestOnionLocation:
    @pytest.fixture
    def app_config(self):
        return {"ONION_ADDRESS": "exampleonionaddressxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion"}

    def test_onion_location_points_to_the_same_page(self, app, world):
        client = app.test_client()
        response = client.get("/privacy?lang=en")
        assert response.headers["Onion-Location"] == (
            "http://exampleonionaddressxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion/privacy?lang=en")
        via_onion = client.get("/privacy", base_url=(
            "http://exampleonionaddressxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion"))
        assert "Onion-Location" not in via_onion.headers
