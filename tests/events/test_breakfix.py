"""Tester's faults (issues 14 and 15) in the back office, each kind a named test."""

from urllib.parse import urlsplit

import lxml.html
import pytest

from cryptoparty.core.extensions import db
from cryptoparty.events.models import Workshop


def edit_form(client, url):
    """The fields a browser would send for the form of ``url``: (values, text field names)."""
    page = client.get(url + ("&" if "?" in url else "?") + "lang=en")
    assert page.status_code == 200
    doc = lxml.html.fromstring(page.get_data(as_text=True))
    path = urlsplit(url).path
    form = next(f for f in doc.forms
                if urlsplit(f.action or path).path == path and f.method.lower() == "post")
    values = dict(form.form_values())
    texts = [i.name for i in form.inputs if i.name and i.name != "csrf_token" and (
        i.tag == "textarea" or (i.tag == "input" and i.type in (
            "text", "url", "email", "search", "tel")))]
    return values, texts


def edit_urls(event):
    org = event.organization.slug
    return [f"/manage/events/{event.slug}/",
            f"/manage/sessions/{event.sessions[0].id}/edit",
            f"/manage/workshops/{event.workshops[0].id}/edit",
            f"/manage/orgs/{org}/settings"]


@pytest.mark.parametrize("field", ["room", "topics", "summary", "materials"])
def test_workshop_edit_without_an_optional_field_saves_it_empty(organizer_client, make_event,
                                                                field):
    event = make_event(organization=organizer_client.organization)
    workshop = event.workshops[0]
    url = f"/manage/workshops/{workshop.id}/edit"
    values, _ = edit_form(organizer_client, url)
    del values[field]
    response = organizer_client.post_form(url, values)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert getattr(db.session.get(Workshop, workshop.id), field) == ""


def test_every_edit_form_takes_any_text_field_left_out(organizer_client, make_event):
    event = make_event(organization=organizer_client.organization)
    tried = 0
    for url in edit_urls(event):
        values, texts = edit_form(organizer_client, url)
        assert texts, url
        for name in texts:
            data = {k: v for k, v in values.items() if k != name}
            response = organizer_client.post_form(url, data)
            assert response.status_code in (200, 302, 400), (url, name, response.status_code)
            tried += 1
    assert tried > 20
