"""Volunteers, without HTTP: sign-up, the contact's encryption, claims, proposals, retention."""

import os
import shutil
import subprocess
import tempfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cryptoparty.core.extensions import db
from cryptoparty.core.openpgp import get_keyring
from cryptoparty.events.models import Workshop
from cryptoparty.gpg.keyring import Keyring
from cryptoparty.volunteers import services as service
from cryptoparty.volunteers.models import Claim, Proposal, Volunteer
from tests.volunteers.fixtures import workshop

CONTACT = "signal: +33 6 12 34 56 78 / matrix @zoe-unique-7f3a:example.org"


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def sign_up(app, event, now, pseudonym="Zoé", **kwargs):
    return service.sign_up(event, pseudonym=pseudonym, now=now, keyring=get_keyring(app),
                           **kwargs)


# Sign-up -------------------------------------------------------------------

def test_sign_up_returns_a_long_token_and_stores_only_its_hash(app, volunteer_event, now):
    volunteer, token = sign_up(app, volunteer_event, now, skills=["tor", "signal"],
                               other_skills="Debian")
    assert len(token) == 32 and service.TOKEN_RE.match(token)
    assert volunteer.token_hash == service.hash_token(token) != token
    assert volunteer.skill_codes == ["tor", "signal"]
    assert volunteer.created_on == now.date()
    assert service.get_volunteer_by_token(token).id == volunteer.id


def test_tokens_differ_and_carry_at_least_128_bits():
    tokens = {service.new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert service.TOKEN_BYTES * 8 >= 128


@pytest.mark.parametrize("token", ["", "short", "x" * 32, "é" * 32, "A" * 31 + "!", "A" * 33])
def test_unknown_or_malformed_token_is_not_found(app, volunteer_event, now, token):
    sign_up(app, volunteer_event, now)
    with pytest.raises(service.VolunteerNotFound):
        service.get_volunteer_by_token(token)


def test_contact_is_stored_encrypted_and_decrypts_with_the_org_secret_key(
        app, volunteer_event, now, org_fingerprint, gnupg_home):
    volunteer, _token = sign_up(app, volunteer_event, now, contact=CONTACT)
    stored = db.session.get(Volunteer, volunteer.id).contact_ciphertext
    assert stored.startswith("-----BEGIN PGP MESSAGE-----")
    assert CONTACT not in stored
    assert volunteer.contact_fingerprint == org_fingerprint

    # The organizer's side: a fresh GnuPG home holding only the exported secret key.
    secret = subprocess.run(["gpg", "--homedir", gnupg_home, "--batch", "--pinentry-mode",
                             "loopback", "--passphrase", "", "--armor",
                             "--export-secret-keys", org_fingerprint],
                            capture_output=True, check=True).stdout
    home = tempfile.mkdtemp(prefix="cpdec")
    try:
        with Keyring(home) as organizer_keyring:
            organizer_keyring.import_secret_key(secret)
            assert organizer_keyring.decrypt(stored) == CONTACT
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_contact_is_refused_without_an_organization_key(app, make_event, now):
    event = make_event()
    assert not service.contact_offered(event, get_keyring(app))
    with pytest.raises(service.ContactNotAccepted):
        sign_up(app, event, now, contact=CONTACT)
    assert count(Volunteer) == 0
    volunteer, _ = sign_up(app, event, now)  # without a contact it works
    assert volunteer.contact_ciphertext is None


def test_contact_offered_with_an_org_key(app, volunteer_event):
    assert service.contact_offered(volunteer_event, get_keyring(app))
    assert not service.contact_offered(volunteer_event, None)


@pytest.mark.parametrize("pseudonym", ["", "   ", "x" * 61])
def test_empty_or_overlong_pseudonym_is_refused(app, volunteer_event, now, pseudonym):
    with pytest.raises(service.InvalidPseudonym):
        sign_up(app, volunteer_event, now, pseudonym=pseudonym, contact=CONTACT)
    assert count(Volunteer) == 0


def test_pseudonym_is_unique_per_event(app, volunteer_event, now):
    sign_up(app, volunteer_event, now, pseudonym="Zoé")
    with pytest.raises(service.PseudonymTaken):
        sign_up(app, volunteer_event, now, pseudonym=" Zoé ")
    assert count(Volunteer) == 1


def test_unknown_skill_or_long_free_text_is_refused(app, volunteer_event, now):
    with pytest.raises(service.InvalidSkills):
        sign_up(app, volunteer_event, now, skills=["juggling"])
    with pytest.raises(service.InvalidSkills):
        sign_up(app, volunteer_event, now, other_skills="x" * 201)
    assert count(Volunteer) == 0


def test_overlong_contact_is_refused(app, volunteer_event, now):
    with pytest.raises(service.ContactTooLong):
        sign_up(app, volunteer_event, now, contact="x" * 501)
    assert count(Volunteer) == 0


def test_volunteer_public_key_is_validated_and_stored(app, volunteer_event, now, volunteer_key):
    armored, fingerprint, _keyring = volunteer_key
    volunteer, _ = sign_up(app, volunteer_event, now, public_key=armored)
    assert volunteer.public_key.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert volunteer.public_key_fingerprint == fingerprint


def _secret_block(volunteer_key):
    _armored, fingerprint, keyring = volunteer_key
    return subprocess.run(["gpg", "--homedir", keyring.gpg_home, "--batch", "--pinentry-mode",
                           "loopback", "--passphrase", "", "--armor", "--export-secret-keys",
                           fingerprint], capture_output=True, check=True).stdout.decode()


@pytest.mark.parametrize("block, reason", [
    ("not a key at all", "BEGIN PGP PUBLIC KEY BLOCK"),
    ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBGZZ\n=abcd\n"
     "-----END PGP PUBLIC KEY BLOCK-----", "no valid key"),
    ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n" + "A" * 70_000, "too large"),
])
def test_invalid_key_block_is_refused(app, volunteer_event, now, block, reason):
    with pytest.raises(service.InvalidPublicKey) as error:
        sign_up(app, volunteer_event, now, public_key=block)
    with app.test_request_context("/?lang=en"):
        assert reason in error.value.describe()
    assert count(Volunteer) == 0


def test_secret_key_block_is_refused(app, volunteer_event, now, volunteer_key):
    with pytest.raises(service.InvalidPublicKey) as error:
        sign_up(app, volunteer_event, now, public_key=_secret_block(volunteer_key))
    with app.test_request_context("/?lang=en"):
        assert "this is a secret key" in error.value.describe()
    assert count(Volunteer) == 0


def test_two_keys_in_one_block_are_refused(app, volunteer_event, now, volunteer_key,
                                           org_fingerprint):
    armored, _fpr, _keyring = volunteer_key
    both = armored + "\n" + get_keyring(app).export_public_key(org_fingerprint)
    with pytest.raises(service.InvalidPublicKey):
        sign_up(app, volunteer_event, now, public_key=both)


@pytest.mark.parametrize("status", ["cancelled", "archived", "draft"])
def test_sign_up_refused_unless_event_published_and_upcoming(app, make_event, now, status):
    event = make_event(status=status)
    with pytest.raises(service.VolunteeringClosed):
        sign_up(app, event, now)


def test_sign_up_refused_once_the_event_started(app, volunteer_event, now):
    with pytest.raises(service.VolunteeringClosed):
        sign_up(app, volunteer_event, volunteer_event.starts_at)


# Claims --------------------------------------------------------------------

@pytest.fixture
def two_volunteers(app, volunteer_event, now):
    zoe, _ = sign_up(app, volunteer_event, now, pseudonym="Zoé")
    max_, _ = sign_up(app, volunteer_event, now, pseudonym="Max")
    return zoe, max_


def test_claim_holds_the_workshop_and_a_second_is_refused(volunteer_event, now, two_volunteers):
    zoe, max_ = two_volunteers
    tor = workshop(volunteer_event, "tor-browser")
    claim = service.claim_workshop(zoe, tor.id, now=now)
    assert claim.status == "proposed"
    assert db.session.get(Workshop, tor.id).facilitators == 1
    assert tor not in service.open_workshops(volunteer_event)
    with pytest.raises(service.WorkshopTaken):
        service.claim_workshop(max_, tor.id, now=now)
    assert count(Claim) == 1


def test_cofacilitators_when_the_organizer_allows_them(volunteer_event, now, two_volunteers):
    zoe, max_ = two_volunteers
    tor = workshop(volunteer_event, "tor-browser")
    tor.allow_cofacilitators = True
    db.session.commit()
    service.claim_workshop(zoe, tor.id, now=now)
    service.claim_workshop(max_, tor.id, now=now)
    assert db.session.get(Workshop, tor.id).facilitators == 2


def test_never_two_workshops_of_one_session(volunteer_event, now, two_volunteers):
    zoe, _ = two_volunteers
    service.claim_workshop(zoe, workshop(volunteer_event, "tor-browser").id, now=now)
    with pytest.raises(service.BusyInSession):
        service.claim_workshop(zoe, workshop(volunteer_event, "tails").id, now=now)
    # Another session is fine.
    service.claim_workshop(zoe, workshop(volunteer_event, "signal").id, now=now)
    assert db.session.get(Workshop, workshop(volunteer_event, "tails").id).facilitators == 0


def test_unique_constraint_backs_the_session_rule(volunteer_event, now, two_volunteers):
    """Even if the check before the write is skipped (a race), the database refuses."""
    zoe, _ = two_volunteers
    tor, tails = workshop(volunteer_event, "tor-browser"), workshop(volunteer_event, "tails")
    service.claim_workshop(zoe, tor.id, now=now)
    original = service._busy_in_session
    service._busy_in_session = lambda *a: False
    try:
        with pytest.raises(service.BusyInSession):
            service.claim_workshop(zoe, tails.id, now=now)
    finally:
        service._busy_in_session = original
    assert db.session.get(Workshop, tails.id).facilitators == 0
    assert count(Claim) == 1


def test_claim_on_workshop_without_need_or_of_another_event(app, volunteer_event, make_event,
                                                            make_org, now, two_volunteers):
    zoe, _ = two_volunteers
    with pytest.raises(service.NoFacilitatorNeeded):
        service.claim_workshop(zoe, workshop(volunteer_event, "keepassxc").id, now=now)
    other = make_event(make_org(slug="other"), slug="other")
    with pytest.raises(service.WorkshopNotFound):
        service.claim_workshop(zoe, other.workshops[0].id, now=now)
    with pytest.raises(service.WorkshopNotFound):
        service.claim_workshop(zoe, 999_999, now=now)
    assert count(Claim) == 0


def test_claim_on_cancelled_event_is_refused(volunteer_event, now, two_volunteers):
    from cryptoparty.events import services as events
    zoe, _ = two_volunteers
    events.change_status(volunteer_event, "cancel", now=now)
    with pytest.raises(service.EventNotRunning):
        service.claim_workshop(zoe, workshop(volunteer_event, "tor-browser").id, now=now)
    assert count(Claim) == 0


@pytest.mark.parametrize("close", ["withdraw", "decline"])
def test_withdrawn_or_declined_claim_frees_the_workshop(volunteer_event, now, two_volunteers,
                                                        close):
    zoe, max_ = two_volunteers
    tor = workshop(volunteer_event, "tor-browser")
    claim = service.claim_workshop(zoe, tor.id, now=now)
    if close == "withdraw":
        service.withdraw_claim(zoe, claim.id, now=now)
        assert claim.status == "withdrawn"
    else:
        service.decline_claim(claim, now=now)
        assert claim.status == "declined"
    assert db.session.get(Workshop, tor.id).facilitators == 0
    assert service.claim_workshop(max_, tor.id, now=now).status == "proposed"
    # Zoé may take another workshop of that session now.
    service.claim_workshop(zoe, workshop(volunteer_event, "tails").id, now=now)
    with pytest.raises(service.ClaimNotActive):
        service.decline_claim(claim, now=now)
    assert db.session.get(Workshop, tor.id).facilitators == 1


def test_withdrawal_closes_before_the_event(volunteer_event, now, two_volunteers):
    zoe, _ = two_volunteers
    claim = service.claim_workshop(zoe, workshop(volunteer_event, "tor-browser").id, now=now)
    deadline = service.withdraw_deadline(volunteer_event)
    assert deadline == volunteer_event.starts_at - timedelta(hours=48)
    with pytest.raises(service.WithdrawalClosed):
        service.withdraw_claim(zoe, claim.id, now=deadline)
    assert claim.status == "proposed"
    service.withdraw_claim(zoe, claim.id, now=deadline - timedelta(minutes=1))


def test_volunteer_cannot_withdraw_anothers_claim(volunteer_event, now, two_volunteers):
    zoe, max_ = two_volunteers
    claim = service.claim_workshop(zoe, workshop(volunteer_event, "tor-browser").id, now=now)
    with pytest.raises(service.ClaimNotFound):
        service.withdraw_claim(max_, claim.id, now=now)
    assert claim.status == "proposed"


def test_confirm_then_public_pseudonym_and_check_in_right(volunteer_event, now, two_volunteers):
    zoe, max_ = two_volunteers
    tor = workshop(volunteer_event, "tor-browser")
    claim = service.claim_workshop(zoe, tor.id, now=now)
    assert service.confirmed_facilitators(tor) == []
    assert not service.volunteer_can_check_in(zoe, volunteer_event)
    service.confirm_claim(claim, now=now)
    db.session.expire_all()
    assert service.confirmed_facilitators(tor) == ["Zoé"]
    assert service.volunteer_can_check_in(zoe, volunteer_event)
    assert not service.volunteer_can_check_in(max_, volunteer_event)
    with pytest.raises(service.ClaimAlreadyHandled):
        service.confirm_claim(claim, now=now)


def test_assign_confirms_at_once_and_respects_limits(volunteer_event, now, two_volunteers):
    zoe, max_ = two_volunteers
    keepass = workshop(volunteer_event, "keepassxc")  # does not look for anyone: still assignable
    claim = service.assign_volunteer(zoe, keepass.id, now=now)
    assert claim.status == "confirmed"
    with pytest.raises(service.WorkshopTaken):
        service.assign_volunteer(max_, keepass.id, now=now)
    # Assigning a volunteer who proposed themselves confirms their claim.
    tor = workshop(volunteer_event, "tor-browser")
    proposed = service.claim_workshop(max_, tor.id, now=now)
    assert service.assign_volunteer(max_, tor.id, now=now).id == proposed.id
    assert proposed.status == "confirmed"
    assert db.session.get(Workshop, tor.id).facilitators == 1


# Proposals -----------------------------------------------------------------

@pytest.mark.parametrize("minutes", [0, 4, 481, 10**6, -5, None, "60"])
def test_proposal_duration_out_of_range_is_refused(volunteer_event, now, two_volunteers, minutes):
    zoe, _ = two_volunteers
    with pytest.raises(service.InvalidDuration):
        service.propose_workshop(zoe, title="Threat models", duration_minutes=minutes, now=now)
    assert count(Proposal) == 0


def test_proposal_needs_a_title_and_known_format(volunteer_event, now, two_volunteers):
    zoe, _ = two_volunteers
    with pytest.raises(service.InvalidProposal):
        service.propose_workshop(zoe, title=" ", duration_minutes=60, now=now)
    with pytest.raises(service.InvalidProposal):
        service.propose_workshop(zoe, title="X", format="circus", duration_minutes=60, now=now)
    assert count(Proposal) == 0


def test_accepted_proposal_becomes_a_workshop_facilitated_by_its_author(
        volunteer_event, now, two_volunteers):
    zoe, _ = two_volunteers
    proposal = service.propose_workshop(zoe, title="Threat models", summary="Who, what, how",
                                        format="discussion", duration_minutes=45,
                                        level="intermediate", needs="A whiteboard", now=now)
    session = volunteer_event.sessions[1]
    made = service.accept_proposal(proposal, session, capacity=15, room="B12", now=now)
    assert proposal.status == "accepted" and proposal.workshop_id == made.id
    assert (made.title, made.format, made.level, made.capacity, made.room, made.materials) == \
        ("Threat models", "discussion", "intermediate", 15, "B12", "A whiteboard")
    assert made.session_id == session.id and made.facilitators == 1
    assert [c.status for c in zoe.claims] == ["confirmed"]
    with pytest.raises(service.ProposalAlreadyHandled):
        service.accept_proposal(proposal, session, capacity=15, now=now)


def test_accepting_into_a_busy_session_writes_nothing(volunteer_event, now, two_volunteers):
    zoe, _ = two_volunteers
    service.claim_workshop(zoe, workshop(volunteer_event, "signal").id, now=now)
    proposal = service.propose_workshop(zoe, title="Threat models", duration_minutes=45, now=now)
    before = count(Workshop)
    with pytest.raises(service.BusyInSession):
        service.accept_proposal(proposal, volunteer_event.sessions[1], capacity=10, now=now)
    assert count(Workshop) == before
    assert proposal.status == "proposed"


def test_withdraw_and_decline_proposals(volunteer_event, now, two_volunteers):
    zoe, max_ = two_volunteers
    first = service.propose_workshop(zoe, title="A", duration_minutes=30, now=now)
    second = service.propose_workshop(zoe, title="B", duration_minutes=30, now=now)
    with pytest.raises(service.ProposalNotFound):
        service.withdraw_proposal(max_, first.id, now=now)
    service.withdraw_proposal(zoe, first.id, now=now)
    service.decline_proposal(second, now=now)
    assert (first.status, second.status) == ("withdrawn", "declined")
    with pytest.raises(service.ProposalAlreadyHandled):
        service.withdraw_proposal(zoe, second.id, now=now)


# Contact file and retention -----------------------------------------------

def test_contact_file_has_instructions_in_both_languages(app, volunteer_event, now):
    volunteer, _ = sign_up(app, volunteer_event, now, contact=CONTACT)
    text = service.contact_file(volunteer)
    assert "gpg --decrypt contact.asc" in text
    assert "To read it" in text and "Pour le lire" in text
    assert text.endswith(volunteer.contact_ciphertext)
    # A French organization reads French first; an English one, English first.
    assert text.index("Pour le lire") < text.index("To read it")
    assert "«\u202fZoé\u202f»" in text or "«\u202f" in text
    volunteer_event.organization.default_locale = "en"
    text = service.contact_file(volunteer)
    assert text.index("To read it") < text.index("Pour le lire")
    bare, _ = sign_up(app, volunteer_event, now, pseudonym="Max")
    with pytest.raises(service.NoContact):
        service.contact_file(bare)


def test_purge_deletes_contacts_and_keys_after_retention_only(app, volunteer_event, now,
                                                              volunteer_key):
    volunteer, _ = sign_up(app, volunteer_event, now, contact=CONTACT,
                           public_key=volunteer_key[0])
    service.claim_workshop(volunteer, workshop(volunteer_event, "tor-browser").id, now=now)
    ends = service.retention_ends(volunteer_event)
    assert ends == volunteer_event.ends_at + timedelta(days=volunteer_event.retention_days)
    assert service.purge_volunteer_contacts(volunteer_event, ends - timedelta(seconds=1)) == 0
    assert db.session.get(Volunteer, volunteer.id).contact_ciphertext is not None
    assert service.purge_volunteer_contacts(volunteer_event, ends) == 1
    kept = db.session.get(Volunteer, volunteer.id)
    assert (kept.contact_ciphertext, kept.public_key, kept.contact_fingerprint) == (None,) * 3
    assert kept.pseudonym == "Zoé" and len(kept.claims) == 1
    assert service.purge_volunteer_contacts(volunteer_event, ends) == 0


def test_contact_plain_text_is_not_in_the_database_file(app, volunteer_event, now, backend,
                                                        tmp_path):
    if backend != "sqlite":
        pytest.skip("the PostgreSQL dump is checked in tests/volunteers/test_views.py")
    sign_up(app, volunteer_event, now, contact=CONTACT)
    db.session.remove()
    db.engine.dispose()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert CONTACT.encode() not in path.read_bytes(), path
    assert os.path.exists(tmp_path / "test.sqlite3")
