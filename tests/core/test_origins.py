"""The one rule for the origins allowed to embed an organization's pages (core.origins)."""

import pytest

from cryptoparty.accounts import settings
from cryptoparty.core import origins
from cryptoparty.feeds import services as feeds


@pytest.mark.parametrize(("typed", "origin"), [
    ("https://www.bib.example", "https://www.bib.example"),
    ("HTTPS://WWW.Bib.Example/", "https://www.bib.example"),
    ("https://agenda.ville.example:8443", "https://agenda.ville.example:8443"),
    ("https://bib.example:443", "https://bib.example"),
    ("https://xn--bibliothque-9db.example", "https://xn--bibliothque-9db.example"),
    ("http://localhost:8000", "http://localhost:8000"),
    ("http://127.0.0.1:5000/", "http://127.0.0.1:5000"),
    ("http://localhost:80", "http://localhost"),
    ("https://localhost", "https://localhost"),
])
def test_a_bare_origin_is_accepted_and_normalised(typed, origin):
    assert origins.normalise_origin(typed) == origin


@pytest.mark.parametrize("typed", [
    "http://www.bib.example",            # https required
    "http://192.168.1.10",               # http only on the loopback names
    "https://192.0.2.1",                 # no bare IP address
    "https://www.bib.example/agenda",    # no path
    "https://www.bib.example?x=1",       # no query
    "https://www.bib.example#top",       # no fragment
    "https://user@www.bib.example",      # no user info
    "https://*.bib.example",             # no wildcard
    "https://bib.example:99999",         # no such port
    "https://bib.example:0",
    "www.bib.example",                   # no scheme
    "javascript:alert(1)",
    "https://bib.example;script-src",    # CSP syntax
    "'self'",
    "https://localhost.evil.example/x",
    "ftp://bib.example",
    "https://",
])
def test_anything_else_is_refused_with_the_value(typed):
    with pytest.raises(origins.InvalidOrigin) as error:
        origins.normalise_origin(typed)
    assert error.value.status == 400
    assert typed[:100] in error.value.describe()


def test_a_list_drops_duplicates_and_has_a_maximum():
    assert origins.parse_origins("https://a.example\n https://A.example/  http://localhost:3000") \
        == ["https://a.example", "http://localhost:3000"]
    assert origins.parse_origins("") == []
    many = " ".join(f"https://s{i}.example" for i in range(origins.MAX_ORIGINS + 1))
    with pytest.raises(origins.TooManyOrigins):
        origins.parse_origins(many)


def test_settings_and_the_embed_page_use_the_same_rule():
    typed = "https://www.bib.example/\nhttp://localhost:8000 https://www.bib.example"
    assert settings.clean_origins(typed).split("\n") == feeds.parse_embed_origins(typed) \
        == origins.parse_origins(typed)
    for bad in ("http://www.bib.example", "https://www.bib.example/agenda"):
        with pytest.raises(origins.InvalidOrigin):
            settings.clean_origins(bad)
        with pytest.raises(origins.InvalidOrigin):
            feeds.parse_embed_origins(bad)
