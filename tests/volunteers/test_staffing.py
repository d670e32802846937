"""True sentences about facilitators: computed from the claims, not from a box left unticked."""

import re

from sqlalchemy import select

from cryptoparty.core.extensions import db
from cryptoparty.volunteers import services as service
from cryptoparty.volunteers.models import Claim
from tests.volunteers.fixtures import volunteer_program, workshop


def _tag_of(html, title):
    """The tag shown beside a workshop's title in the back office's program."""
    match = re.search(re.escape(title) + r"</a>\s*(.*?)</td>", html, re.S)
    assert match, title
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_a_new_workshop_looks_for_a_facilitator_a_talk_or_a_meal_does_not(make_event, now):
    event = make_event(program=[("S", [dict(title="Tor", capacity=10),
                                       dict(title="Conférence", format="talk", capacity=99),
                                       dict(title="Repas", format="meal", capacity=99)])])
    assert [w.needs_facilitator for w in event.workshops] == [True, False, False]
    assert [w.title for w in service.open_workshops(event)] == ["Tor"]


def test_new_workshop_form_ticks_run_by_a_volunteer(organizer_client, make_event):
    event = make_event(organization=organizer_client.organization)
    html = organizer_client.get(f"/manage/events/{event.slug}/workshops/new?lang=en") \
        .get_data(as_text=True)
    box = re.search(r'<input[^>]*id="needs_facilitator"[^>]*>', html).group(0)
    assert " checked " in box
    assert "Run by a volunteer facilitator" in html


def test_call_says_every_workshop_is_staffed_only_when_claims_say_so(client, make_event, now):
    event = make_event(program=[("S", [dict(title="Tor", slug="tor", capacity=10)])])
    url = "/events/cryptoparty/volunteer?lang=en"
    html = client.get(url).get_data(as_text=True)
    assert "Every workshop has its facilitator" not in html and "Tor" in html
    volunteer, _ = service.sign_up(event, pseudonym="Ada", now=now)
    service.claim_workshop(volunteer, event.workshops[0].id, now=now)
    html = client.get(url).get_data(as_text=True)
    assert "Every workshop has its facilitator" not in html
    assert "the organizers are confirming them" in html
    service.confirm_claim(db.session.scalar(select(Claim)), now=now)
    html = client.get(url).get_data(as_text=True)
    assert "Every workshop has its facilitator for now" in html


def test_back_office_tag_follows_the_claims(organizer_client, make_event, now):
    event = make_event(organization=organizer_client.organization,
                       program=volunteer_program())
    url = f"/manage/events/{event.slug}/?lang=en"
    html = organizer_client.get(url).get_data(as_text=True)
    assert _tag_of(html, "Tails") == "needs a facilitator"
    assert _tag_of(html, "KeePassXC") == ""  # run by the organizers
    volunteer, _ = service.sign_up(event, pseudonym="Ada", now=now)
    claim = service.claim_workshop(volunteer, workshop(event, "tails").id, now=now)
    html = organizer_client.get(url).get_data(as_text=True)
    assert _tag_of(html, "Tails") == "a volunteer’s claim to confirm"
    assert organizer_client.post_form(f"/manage/claims/{claim.id}/confirm").status_code == 302
    html = organizer_client.get(url).get_data(as_text=True)
    assert _tag_of(html, "Tails") == "facilitator confirmed"
    assert "cherche un·e animateur·ice" not in organizer_client.get(
        f"/manage/events/{event.slug}/").get_data(as_text=True).split("Tails")[1].split("</tr>")[0]
