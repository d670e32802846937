"""Accessibility: axe-core on every public page in both languages, keyboard-only registration,
visible focus.

axe-core comes from the npm registry; .ci/run installs it with
``npm install --no-save --prefix .cache/axe axe-core@4``. The test looks for
``axe.min.js`` there (or at ``$AXE_CORE_JS``) and skips with the reason when it
is absent. axe is injected as an inline script, which the site's strict CSP
forbids, so its context bypasses the CSP; the pages themselves never need to.
"""

import json
import os
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT

expect = pytest.importorskip(
    "playwright.sync_api",
    reason="Playwright for Python is not installed: pip install -e '.[test]'").expect


AXE_JS = Path(os.environ.get("AXE_CORE_JS")
              or ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js")
BLOCKING_IMPACTS = ("serious", "critical")
LANGUAGES = ("fr", "en")


@pytest.fixture(scope="module")
def axe_source():
    if not AXE_JS.exists():
        pytest.skip(f"axe-core is not installed at {AXE_JS}: run "
                    "`npm install --no-save --prefix .cache/axe axe-core@4` (.ci/run does)")
    return str(AXE_JS)


@pytest.fixture(scope="module")
def public_pages(browser, live_server):
    """Every public page, the private-by-link ones included (a ticket, a volunteer's page)."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    event = page.request.get("/api/v1/events/cryptoparty").json()
    talk = event["sessions"][0]["workshops"][0]["id"]
    created = page.request.post("/api/v1/events/cryptoparty/tickets",
                                data=json.dumps({"workshops": [talk], "party": 1}),
                                headers={"Content-Type": "application/json"})
    assert created.status == 201, created.text()
    code = created.json()["code"]

    page.goto("/events/cryptoparty/volunteer?lang=en")
    page.get_by_label("Pseudonym").fill("axe-tester")
    page.get_by_role("button", name="Sign up as a volunteer").click()
    page.wait_for_url(re.compile(r"/volunteers/[^/?]+"))
    volunteer_path = re.sub(r"\?.*$", "", page.url.replace(live_server.url, ""))
    context.close()
    return {
        "home": "/",
        "privacy": "/privacy",
        "event": "/events/cryptoparty/",
        "event-install-party": "/events/install-party/",
        "event-cafe": "/events/cafe-vie-privee/",
        "register": "/events/cryptoparty/register",
        "ticket-lookup": "/tickets/",
        "ticket": f"/tickets/{code}",
        "ticket-cancelled": "/events/cryptoparty/ticket-cancelled",
        "announcement": "/events/cryptoparty/announcement",
        "volunteer-call": "/events/cryptoparty/volunteer",
        "volunteer-private": volunteer_path,
        "organization": "/orgs/biblinsa/",
        "share": "/events/cryptoparty/share",
        "login": "/login",
    }


def _blocking(results: dict) -> list[str]:
    found = []
    for violation in results["violations"]:
        if violation["impact"] in BLOCKING_IMPACTS:
            targets = [" ".join(node["target"]) for node in violation["nodes"][:5]]
            found.append(f"{violation['impact']} {violation['id']}: {violation['help']} "
                         f"({len(violation['nodes'])} nodes, e.g. {targets})")
    return found


def test_no_serious_axe_violation_on_public_pages(axe_source, browser, live_server,
                                                  public_pages):
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    problems, checked = {}, 0
    for path in public_pages.values():
        for lang in LANGUAGES:
            response = page.goto(f"{path}?lang={lang}")
            assert response.status == 200, f"{path}?lang={lang}: {response.status}"
            assert page.locator("html").get_attribute("lang") == lang
            page.add_script_tag(path=axe_source)
            results = page.evaluate(
                "() => axe.run(document, {resultTypes: ['violations']})")
            checked += 1
            if _blocking(results):
                problems[f"{path}?lang={lang}"] = _blocking(results)
    context.close()
    assert checked == 2 * len(public_pages)
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)


def _tab_to(page, predicate_js: str, limit: int = 80) -> None:
    """Press Tab until the focused element satisfies ``predicate_js`` (an arrow function)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"({predicate_js})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element with {predicate_js}")


def test_registration_with_the_keyboard_alone(page, screenshot):
    page.goto("/events/cryptoparty/?lang=en")

    # The skip link comes first and is visible when focused.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["width"] > 10

    # Register link → Enter.
    _tab_to(page, "el => el.tagName === 'A' && el.textContent.trim() === 'Register'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/events/cryptoparty/register"))

    # Into the third session's radio group (Tab lands on its checked radio, "None"), then
    # the arrow key moves the choice, as in every radio group.
    groups = page.locator("fieldset.choice-session")
    third = groups.nth(2).locator("input[type=radio]")
    first_of_third = third.first.get_attribute("id")
    _tab_to(page, f"el => el.id === {json.dumps(first_of_third)}")
    page.keyboard.press("ArrowDown")
    assert third.nth(1).is_checked()
    chosen = page.locator(f"label[for={third.nth(1).get_attribute('id')}] .choice__title")
    title = chosen.inner_text().strip()

    # Number of people: type it; then Tab to the submit button and press Space.
    _tab_to(page, "el => el.name === 'party'")
    page.keyboard.press("Control+A")
    page.keyboard.type("1")
    _tab_to(page, "el => el.type === 'submit'")
    screenshot(page, "20-keyboard-focus-submit")
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"/tickets/[0-9A-Z-]+"))
    expect(page.locator(".ticket__choices")).to_contain_text(title)


FOCUS_STYLE_JS = """el => {
  const s = getComputedStyle(el);
  return {outline: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow};
}"""


@pytest.mark.parametrize("path, selector", [
    ("/events/cryptoparty/?lang=en", ".event__actions a.button"),
    ("/events/cryptoparty/register?lang=en", "form button[type=submit]"),
    ("/?lang=en", ".site-nav a"),
])
def test_focus_is_visible(page, path, selector):
    page.goto(path)
    target = page.locator(selector).first
    before = target.evaluate(FOCUS_STYLE_JS)
    # Reach it with the keyboard so that :focus-visible applies, as for a keyboard user.
    target.evaluate("el => el.setAttribute('data-e2e-target', '1')")
    _tab_to(page, "el => el.hasAttribute('data-e2e-target')")
    after = target.evaluate(FOCUS_STYLE_JS)
    assert after["outline"] != "none" and after["width"] >= 2, after
    assert after != before
