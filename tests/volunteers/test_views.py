"""Volunteer pages over HTTP: the call, the private link, claims, proposals, the back office."""

import logging
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cryptoparty.core.extensions import db
from cryptoparty.events.models import Workshop
from cryptoparty.registration.models import Ticket
from cryptoparty.volunteers import services as service
from cryptoparty.volunteers.models import Claim, Proposal, Volunteer
from tests.conftest import login
from tests.volunteers.fixtures import workshop

CONTACT = "matrix: @plaintext-canary-5e1b:example.org, signal +33 7 00 11 22 33"
TOKEN_PATH = re.compile(r"^/volunteers/([A-Za-z0-9_-]{32})(?:\?.*)?$")


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def sign_up(client, data, slug="cryptoparty"):
    data = {"pseudonym": "Zoé", **data}
    return client.post_form(f"/events/{slug}/volunteer?lang=en", data)


def signed_up(client, pseudonym="Zoé", **data) -> str:
    response = sign_up(client, {"pseudonym": pseudonym, **data})
    assert response.status_code == 302, response.get_data(as_text=True)
    path = response.headers["Location"]
    match = TOKEN_PATH.match(path)
    assert match, path
    return match.group(1)


def page(client, url):
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


# The call ------------------------------------------------------------------

def test_call_lists_workshops_needing_a_facilitator_and_skills(client, volunteer_event):
    tor = workshop(volunteer_event, "tor-browser")
    tor.room = "Salle Turing"
    db.session.commit()
    status, html = page(client, "/events/cryptoparty/volunteer?lang=en")
    assert status == 200
    assert "Tor Browser" in html and "Tails" in html and "Signal" in html
    assert "KeePassXC" not in html  # needs nobody
    assert "Salle Turing" in html and "Session 1" in html and ">tor<" in html
    assert "Tor and Tor Browser" in html and "Installing Linux" in html
    assert 'name="contact"' in html and 'name="public_key"' in html


def test_call_without_org_key_does_not_offer_the_contact_and_says_why(client, make_event):
    make_event()
    status, html = page(client, "/events/cryptoparty/volunteer?lang=en")
    assert status == 200
    assert 'name="contact"' not in html
    assert "has no OpenPGP key yet" in html
    # A contact sent anyway is ignored: nothing about it is stored.
    token = signed_up(client, contact=CONTACT)
    assert service.get_volunteer_by_token(token).contact_ciphertext is None


def test_call_in_french(client, volunteer_event):
    status, html = page(client, "/events/cryptoparty/volunteer?lang=fr")
    assert status == 200 and "Animer un atelier" in html


def test_call_of_draft_event_is_404(client, make_event):
    make_event(status="draft")
    assert client.get("/events/cryptoparty/volunteer").status_code == 404


def test_call_of_cancelled_event_takes_nobody(client, make_event):
    make_event(status="cancelled")
    status, html = page(client, "/events/cryptoparty/volunteer?lang=en")
    assert status == 200 and "no longer takes volunteers" in html and 'name="pseudonym"' not in html
    assert sign_up(client, {}).status_code == 409
    assert count(Volunteer) == 0


# Sign-up and the private link ---------------------------------------------

def test_sign_up_gives_a_private_link(client, volunteer_event):
    token = signed_up(client, skills=["tor", "linux"], other_skills="Debian")
    status, html = page(client, f"/volunteers/{token}?lang=en")
    assert status == 200
    assert "Hello, Zoé" in html and f"/volunteers/{token}" in html
    assert "Installing Linux" in html and "Debian" in html
    volunteer = service.get_volunteer_by_token(token)
    assert token not in volunteer.token_hash


@pytest.mark.parametrize("data, message", [
    ({"pseudonym": ""}, "Choose a pseudonym."),
    ({"pseudonym": "   "}, "Choose a pseudonym."),
    ({"pseudonym": "x" * 61}, "At most 60 characters."),
    ({"skills": ["juggling"]}, "Tick skills from the list"),
    ({"public_key": "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnonsense\n"
                    "-----END PGP PUBLIC KEY BLOCK-----"}, "cannot be used"),
    ({"public_key": "hello"}, "BEGIN PGP PUBLIC KEY BLOCK"),
    ({"contact": "x" * 501}, "Field cannot be longer than 500 characters."),
])
def test_bad_sign_up_answers_400_with_a_message_and_writes_nothing(client, volunteer_event,
                                                                   data, message):
    response = sign_up(client, {"contact": CONTACT, **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert count(Volunteer) == 0


def test_taken_pseudonym_is_409(client, volunteer_event):
    signed_up(client, "Zoé")
    response = sign_up(client, {"pseudonym": "Zoé"})
    assert response.status_code == 409
    assert "already taken" in response.get_data(as_text=True)
    assert count(Volunteer) == 1


def test_sign_up_with_a_valid_public_key(client, volunteer_event, volunteer_key):
    armored, fingerprint, _ = volunteer_key
    token = signed_up(client, public_key=armored)
    assert service.get_volunteer_by_token(token).public_key_fingerprint == fingerprint
    assert fingerprint in page(client, f"/volunteers/{token}?lang=en")[1]


@pytest.mark.parametrize("token", ["nope", "A" * 32, "A" * 31 + "$", "A" * 64, "%00" * 11])
def test_unknown_or_malformed_token_is_404(client, volunteer_event, token):
    signed_up(client)
    assert client.get(f"/volunteers/{token}").status_code == 404
    assert client.post_form(f"/volunteers/{token}/claims",
                            {"workshop_id": "1"}).status_code == 404
    assert client.post_form(f"/volunteers/{token}/proposals",
                            {"title": "x", "duration_minutes": "30"}).status_code == 404
    assert count(Claim) == count(Proposal) == 0


def test_one_volunteers_link_gives_no_access_to_anothers_page(client, app, volunteer_event):
    zoe = signed_up(client, "Zoé", skills=["tails"])
    client = app.test_client()  # Max's own browser
    max_ = signed_up(client, "Max")
    tor = workshop(volunteer_event, "tor-browser")
    assert client.post_form(f"/volunteers/{zoe}/claims",
                            {"workshop_id": str(tor.id)}).status_code == 302
    claim_id = db.session.scalar(select(Claim.id))
    status, html = page(client, f"/volunteers/{max_}?lang=en")
    assert "Hello, Max" in html and "Zoé" not in html and "Explaining" not in html
    assert "You facilitate no workshop yet" in html
    # Max cannot withdraw Zoé's claim with his own link.
    response = client.post_form(f"/volunteers/{max_}/claims/{claim_id}/withdraw")
    assert response.status_code == 404
    assert db.session.get(Claim, claim_id).status == "proposed"


# Claims --------------------------------------------------------------------

def test_claim_then_withdraw_frees_the_workshop(client, volunteer_event):
    zoe, max_ = signed_up(client, "Zoé"), signed_up(client, "Max")
    tor = workshop(volunteer_event, "tor-browser")
    assert client.post_form(f"/volunteers/{zoe}/claims",
                            {"workshop_id": str(tor.id)}).status_code == 302
    html = page(client, f"/volunteers/{zoe}?lang=en")[1]
    assert "awaiting an answer" in html and "You may withdraw until" in html
    # Full now: Max is refused with a message, nothing written.
    response = client.post_form(f"/volunteers/{max_}/claims?lang=en",
                                {"workshop_id": str(tor.id)})
    assert response.status_code == 409
    assert "already has its facilitator" in response.get_data(as_text=True)
    assert count(Claim) == 1
    claim_id = db.session.scalar(select(Claim.id))
    assert client.post_form(f"/volunteers/{zoe}/claims/{claim_id}/withdraw").status_code == 302
    assert db.session.get(Workshop, tor.id).facilitators == 0
    assert client.post_form(f"/volunteers/{max_}/claims",
                            {"workshop_id": str(tor.id)}).status_code == 302


def test_claim_on_cancelled_event_is_refused(client, volunteer_event, now):
    from cryptoparty.events import services as events
    zoe = signed_up(client)
    events.change_status(volunteer_event, "cancel", now=now)
    response = client.post_form(f"/volunteers/{zoe}/claims?lang=en",
                                {"workshop_id": str(workshop(volunteer_event, "tails").id)})
    assert response.status_code == 409
    assert "cancelled or over" in response.get_data(as_text=True)
    assert count(Claim) == 0


@pytest.mark.parametrize("value, status", [("abc", 400), ("", 400), ("999999", 404)])
def test_claim_of_nonsense_workshop(client, volunteer_event, value, status):
    zoe = signed_up(client)
    assert client.post_form(f"/volunteers/{zoe}/claims",
                            {"workshop_id": value}).status_code == status
    assert count(Claim) == 0


def test_withdrawal_after_deadline_is_409(client, app, volunteer_event):
    zoe = signed_up(client)
    client.post_form(f"/volunteers/{zoe}/claims",
                     {"workshop_id": str(workshop(volunteer_event, "tails").id)})
    claim_id = db.session.scalar(select(Claim.id))
    app.config["FIXED_NOW"] = service.withdraw_deadline(volunteer_event)
    response = client.post_form(f"/volunteers/{zoe}/claims/{claim_id}/withdraw?lang=en")
    assert response.status_code == 409
    assert "Withdrawals closed 48 hours before" in response.get_data(as_text=True)
    assert db.session.get(Claim, claim_id).status == "proposed"


# Proposals -----------------------------------------------------------------

@pytest.mark.parametrize("minutes", ["0", "1000000", "-3", "lots", ""])
def test_proposal_with_bad_duration_is_400(client, volunteer_event, minutes):
    zoe = signed_up(client)
    response = client.post_form(f"/volunteers/{zoe}/proposals?lang=en", {
        "title": "Threat models", "format": "discussion", "level": "beginner",
        "duration_minutes": minutes})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "minutes" in html
    assert count(Proposal) == 0


def test_proposal_then_organizer_makes_it_a_workshop(client, organizer_client, make_event,
                                                     org_fingerprint):
    org = organizer_client.organization
    event = make_event(org)
    zoe = signed_up(client)
    assert client.post_form(f"/volunteers/{zoe}/proposals", {
        "title": "Modèle de menace", "summary": "Qui, quoi, comment", "format": "discussion",
        "level": "intermediate", "duration_minutes": "45", "needs": "Un tableau"}
    ).status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert (proposal.title, proposal.duration_minutes) == ("Modèle de menace", 45)

    status, html = page(organizer_client, "/manage/events/cryptoparty/volunteers?lang=en")
    assert status == 200 and "Modèle de menace" in html and "Make it a workshop" in html
    session = event.sessions[1]
    prefix = f"proposal{proposal.id}-"
    response = organizer_client.post_form(f"/manage/proposals/{proposal.id}/accept", {
        prefix + "session_id": str(session.id), prefix + "capacity": "12",
        prefix + "room": "B12"})
    assert response.status_code == 302
    made = db.session.scalar(select(Workshop).filter_by(title="Modèle de menace"))
    assert (made.session_id, made.capacity, made.room, made.format) == \
        (session.id, 12, "B12", "discussion")
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status == "accepted"
    assert "Facilitated by Zoé" in page(client, "/events/cryptoparty/?lang=en")[1]


def test_volunteer_withdraws_a_proposal(client, volunteer_event):
    zoe = signed_up(client)
    client.post_form(f"/volunteers/{zoe}/proposals", {
        "title": "A", "format": "talk", "level": "beginner", "duration_minutes": "20"})
    proposal_id = db.session.scalar(select(Proposal.id))
    assert client.post_form(
        f"/volunteers/{zoe}/proposals/{proposal_id}/withdraw").status_code == 302
    assert db.session.get(Proposal, proposal_id).status == "withdrawn"


# The organizer's side ------------------------------------------------------

@pytest.fixture
def keyed_org_event(organizer_client, make_event, org_fingerprint):
    org = organizer_client.organization
    org.key_fingerprint = org_fingerprint
    org.contacts_key_fingerprint = org_fingerprint
    db.session.commit()
    from tests.volunteers.fixtures import volunteer_program
    return make_event(org, program=volunteer_program())


def test_organizer_confirms_and_the_program_shows_only_the_pseudonym(
        client, organizer_client, keyed_org_event, volunteer_key):
    zoe = signed_up(client, "Zoé", skills=["tails"], other_skills="Qubes wizard",
                    contact=CONTACT, public_key=volunteer_key[0])
    tails = workshop(keyed_org_event, "tails")
    client.post_form(f"/volunteers/{zoe}/claims", {"workshop_id": str(tails.id)})
    claim_id = db.session.scalar(select(Claim.id))
    program = page(client, "/events/cryptoparty/?lang=en")[1]
    assert "Zoé" not in program  # not confirmed yet
    assert organizer_client.post_form(f"/manage/claims/{claim_id}/confirm").status_code == 302
    program = page(client, "/events/cryptoparty/?lang=en")[1]
    assert "Facilitated by Zoé" in program
    for private in ("Qubes wizard", volunteer_key[1], "BEGIN PGP", zoe, "Tails and"):
        assert private not in program
    html = page(client, f"/volunteers/{zoe}?lang=en")[1]
    assert "confirmed" in html


def test_organizer_declines_and_the_workshop_is_open_again(client, organizer_client,
                                                           keyed_org_event):
    zoe = signed_up(client)
    tails = workshop(keyed_org_event, "tails")
    client.post_form(f"/volunteers/{zoe}/claims", {"workshop_id": str(tails.id)})
    claim_id = db.session.scalar(select(Claim.id))
    assert organizer_client.post_form(f"/manage/claims/{claim_id}/decline").status_code == 302
    assert db.session.get(Workshop, tails.id).facilitators == 0
    assert "Tails" in page(client, "/events/cryptoparty/volunteer?lang=en")[1]


def test_organizer_assigns_a_volunteer(client, organizer_client, keyed_org_event):
    signed_up(client, "Max")
    volunteer = db.session.scalar(select(Volunteer))
    keepass = workshop(keyed_org_event, "keepassxc")
    response = organizer_client.post_form("/manage/events/cryptoparty/volunteers/assign", {
        "volunteer_id": str(volunteer.id), "workshop_id": str(keepass.id)})
    assert response.status_code == 302
    claim = db.session.scalar(select(Claim))
    assert (claim.workshop_id, claim.status) == (keepass.id, "confirmed")
    # The same workshop again for someone else: refused with a message.
    signed_up(client, "Léa")
    lea = db.session.scalar(select(Volunteer).filter_by(pseudonym="Léa"))
    response = organizer_client.post_form("/manage/events/cryptoparty/volunteers/assign?lang=en",
                                          {"volunteer_id": str(lea.id),
                                           "workshop_id": str(keepass.id)})
    assert response.status_code == 409
    assert count(Claim) == 1


def test_other_organizations_cannot_see_volunteers(client, app, organizer_client,
                                                   keyed_org_event, make_org, make_organizer):
    signed_up(client, contact=CONTACT)
    volunteer = db.session.scalar(select(Volunteer))
    other_client = app.test_client()
    make_organizer("mallory", organizations=[make_org(slug="other")])
    login(other_client, "mallory")
    assert other_client.get("/manage/events/cryptoparty/volunteers").status_code == 404
    assert other_client.get(f"/manage/volunteers/{volunteer.id}/contact.asc").status_code == 404
    assert app.test_client().get(
        f"/manage/volunteers/{volunteer.id}/contact.asc").status_code in (302, 401)


def _export_secret(gnupg_home, fingerprint) -> bytes:
    return subprocess.run(["gpg", "--homedir", gnupg_home, "--batch", "--pinentry-mode",
                           "loopback", "--passphrase", "", "--armor", "--export-secret-keys",
                           fingerprint], capture_output=True, check=True).stdout


def _database_dump(app, backend) -> bytes:
    """Every row of every table as text, plus, on SQLite, the raw files."""
    chunks = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            chunks.append(repr(tuple(row)).encode())
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if backend == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        for file in path.parent.glob(path.name + "*"):
            chunks.append(file.read_bytes())
    else:
        from cryptoparty import normalize_database_url
        plain = normalize_database_url(url).replace("postgresql+psycopg://", "postgresql://")
        plain = plain.split("?")[0]
        schema = re.search(r"search_path%3D(\w+)", url)
        args = ["pg_dump", "--data-only", plain]
        if schema:
            args += ["--schema", schema.group(1)]
        chunks.append(subprocess.run(args, capture_output=True, check=True).stdout)
    return b"\n".join(chunks)


def test_contact_decrypts_with_the_org_key_and_its_plain_text_is_nowhere_else(
        app, backend, client, organizer_client, keyed_org_event, org_fingerprint, gnupg_home,
        caplog):
    caplog.set_level(logging.DEBUG)
    signed_up(client, "Zoé", contact=CONTACT)
    volunteer = db.session.scalar(select(Volunteer))
    assert volunteer.contact_ciphertext.startswith("-----BEGIN PGP MESSAGE-----")

    response = organizer_client.get(f"/manage/volunteers/{volunteer.id}/contact.asc")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="contact.asc"'
    asc = response.get_data(as_text=True)
    assert "gpg --decrypt contact.asc" in asc and "Pour le lire" in asc and "To read it" in asc

    # Decrypt the downloaded file with stock gpg in a throwaway home holding the secret key.
    home = tempfile.mkdtemp(prefix="cpd")
    try:
        gpg = ["gpg", "--homedir", home, "--batch", "--pinentry-mode", "loopback",
               "--passphrase", ""]
        subprocess.run(gpg + ["--import"], input=_export_secret(gnupg_home, org_fingerprint),
                       capture_output=True, check=True)
        (Path(home) / "contact.asc").write_text(asc)
        plain = subprocess.run(gpg + ["--decrypt", str(Path(home) / "contact.asc")],
                               capture_output=True, check=True).stdout.decode()
    finally:
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)
    assert plain == CONTACT

    needle = CONTACT.encode()
    assert needle not in _database_dump(app, backend)
    db.session.commit()
    for folder in (Path(app.instance_path), Path(gnupg_home)):
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_socket():
                assert needle not in path.read_bytes(), path
    assert CONTACT not in caplog.text
    assert count(Volunteer) == 1


# Check-in by a confirmed volunteer ----------------------------------------

def test_confirmed_volunteer_checks_an_attendee_in(client, app, volunteer_event, now):
    from cryptoparty.registration import services as registration
    zoe = signed_up(client)
    volunteer = service.get_volunteer_by_token(zoe)
    tails = workshop(volunteer_event, "tails")
    result = registration.register(volunteer_event, [tails.id], 2, now=now)
    # Not yet confirmed: no check-in.
    assert "Check attendees in" not in page(client, f"/volunteers/{zoe}?lang=en")[1]
    assert client.post_form(f"/volunteers/{zoe}/checkin",
                            {"code": result.code}).status_code == 403
    service.assign_volunteer(volunteer, tails.id, now=now)
    assert "Check attendees in" in page(client, f"/volunteers/{zoe}?lang=en")[1]
    response = client.post_form(f"/volunteers/{zoe}/checkin?lang=en", {"code": "0000-0000"})
    assert response.status_code == 404
    assert client.post_form(f"/volunteers/{zoe}/checkin",
                            {"code": result.code}).status_code == 302
    assert db.session.get(Ticket, result.ticket_id).checked_in


def test_event_page_links_volunteers_for_organizers(organizer_client, keyed_org_event):
    html = page(organizer_client, "/manage/events/cryptoparty/?lang=en")[1]
    assert "/manage/events/cryptoparty/volunteers" in html


def test_back_office_forms_carry_the_volunteer_settings(organizer_client, keyed_org_event):
    html = page(organizer_client, "/manage/events/cryptoparty/?lang=en")[1]
    assert 'name="volunteer_withdraw_hours"' in html
    tor = workshop(keyed_org_event, "tor-browser")
    html = page(organizer_client, f"/manage/workshops/{tor.id}/edit?lang=en")[1]
    assert 'name="allow_cofacilitators"' in html


def test_confirmed_volunteer_downloads_the_kit_of_their_workshop_only(client, volunteer_event,
                                                                     now):
    zoe = signed_up(client)
    volunteer = service.get_volunteer_by_token(zoe)
    tails, signal = workshop(volunteer_event, "tails"), workshop(volunteer_event, "signal")
    service.claim_workshop(volunteer, signal.id, now=now)  # proposed only
    service.assign_volunteer(volunteer, tails.id, now=now)
    assert "Printable kit (PDF)" in page(client, f"/volunteers/{zoe}?lang=en")[1]
    response = client.get(f"/volunteers/{zoe}/workshops/{tails.id}/kit.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert client.get(f"/volunteers/{zoe}/workshops/{signal.id}/kit.pdf").status_code == 404
    assert client.get(f"/volunteers/{'A' * 32}/workshops/{tails.id}/kit.pdf").status_code == 404
