"""Checking in at the door by ticket code or door-list tag, staying on the check-in page."""

from cryptoparty.core.extensions import db
from cryptoparty.registration import services as reg
from cryptoparty.registration.models import Ticket


def _register(event, slug="tails", party=2, now=None):
    result = reg.register(event, [w.id for w in event.workshops if w.slug == slug], party,
                          now=now)
    return result.code, db.session.get(Ticket, result.ticket_id)


def _checked_in(ticket_id):
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id).checked_in


def test_a_tag_checks_in_and_stays_on_the_check_in_page(organizer_client, make_event, now):
    event = make_event(organization=organizer_client.organization)
    _code, ticket = _register(event, now=now)
    url = f"/manage/events/{event.slug}/checkin"
    response = organizer_client.post_form(url + "?lang=en",
                                          {"ticket": f" {ticket.check_tag.lower()} "})
    assert response.status_code == 303
    assert response.headers["Location"].split("?")[0].endswith(url)
    assert _checked_in(ticket.id)
    page = organizer_client.get(url + "?lang=en").get_data(as_text=True)
    assert f"Checked in: 2 people, tag {ticket.check_tag}." in page
    again = organizer_client.post_form(url + "?lang=en", {"ticket": ticket.check_tag},
                                       follow_redirects=True).get_data(as_text=True)
    # The one message of every check-in path (registration.views.already_checked_in_message).
    assert "Already checked in" in again and "Not counted again." in again


def test_a_code_checks_in_too(organizer_client, make_event, now):
    event = make_event(organization=organizer_client.organization)
    code, ticket = _register(event, now=now)
    response = organizer_client.post_form(f"/manage/events/{event.slug}/checkin",
                                          {"ticket": code.lower()})
    assert response.status_code == 303 and _checked_in(ticket.id)


def test_unknown_tag_or_another_events_code_is_explained_on_the_page(organizer_client,
                                                                     make_event, now):
    event = make_event(organization=organizer_client.organization)
    other = make_event(organization=organizer_client.organization, slug="other")
    code, ticket = _register(other, now=now)
    url = f"/manage/events/{event.slug}/checkin?lang=en"
    for typed in ("ZZZZZ", code):
        response = organizer_client.post_form(url, {"ticket": typed})
        assert response.status_code == 404
        page = response.get_data(as_text=True)
        assert "No active ticket of this event has this code or check-in tag" in page
        assert 'class="error-summary"' in page and 'href="#ticket"' in page
    assert not _checked_in(ticket.id)
    assert organizer_client.post_form(url, {"ticket": ""}).status_code == 400


def test_a_cancelled_ticket_is_not_found_at_the_door(make_event, now):
    event = make_event()
    code, ticket = _register(event, now=now)
    reg.cancel(ticket, now=now)
    for typed in (code, ticket.check_tag):
        try:
            reg.find_at_the_door(event, typed)
        except reg.NoTicketAtTheDoor:
            continue
        raise AssertionError(typed)


def test_check_in_counts_say_their_plurals_in_french(organizer_client, make_event, now):
    event = make_event(organization=organizer_client.organization)
    _code, ticket = _register(event, now=now)
    url = f"/manage/events/{event.slug}/checkin"
    organizer_client.post_form(url, {"ticket": ticket.check_tag})
    page = organizer_client.get(url + "?lang=fr").get_data(as_text=True)
    assert "2</span> personnes arrivées" in page
    assert "sur 2 personnes, pour 1 billet<" in page
    assert "0</span> personne venue sans billet" in page
    assert 'data-label="Confirmés"' in page or 'data-label="Confirmé' in page


def test_the_check_in_page_agrees_its_counts_in_french(organizer_client, make_event, now):
    from tests.core.typography import faults

    event = make_event(organization=organizer_client.organization)
    _code, ticket = _register(event, party=1, now=now)
    url = f"/manage/events/{event.slug}/checkin"
    organizer_client.post_form(url, {"ticket": ticket.check_tag})
    page = organizer_client.get(url + "?lang=fr").get_data(as_text=True)
    # « 1 arrivés sur 1 attendus » was a gettext with two numbers.
    assert "1 arrivé sur 1 attendu" in page and "0 arrivé sur 0 attendu" in page
    assert not faults(page), faults(page)


def test_each_column_of_the_figures_holds_what_its_heading_says(organizer_client, make_event,
                                                                now):
    import re

    event = make_event(organization=organizer_client.organization)
    _register(event, party=3, now=now)
    page = organizer_client.get(f"/manage/events/{event.slug}/checkin?lang=en").get_data(
        as_text=True)
    tables = re.findall(r"<table class=\"[^\"]*figures-table[^\"]*\">(.*?)</table>", page, re.S)
    assert len(tables) == 2
    titles = {w.title for w in event.workshops}
    for table in tables:
        headings = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table)
        assert headings[0] == "Workshop"
        for row in re.findall(r"<tr>\s*(<th scope=\"row\">.*?)</tr>", table, re.S):
            assert re.search(r'<th scope="row">(.*?)</th>', row).group(1) in titles
            # Each number carries its column's heading (read beside it on a phone).
            assert re.findall(r'data-label="([^"]*)"', row) == headings[1:]
    tails = re.search(r'<th scope="row">Tails</th>(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'data-label="[^"]*">(\d+)<', tails)[:2] == ["3", "0"]
