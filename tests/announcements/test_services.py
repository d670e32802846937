"""Announcements: drafted per channel, edited, signed, checked with stock GnuPG, stale."""

import shutil
import threading

import pytest

from cryptoparty.announcements import keys
from cryptoparty.announcements import services as service
from cryptoparty.announcements.models import CHANNEL_LIMITS, CHANNELS
from cryptoparty.events import services as events
from cryptoparty.gpg.keyring import BadSignature, WrongPassphrase, WrongSigner
from tests.announcements.fixtures import (
    ORG_EMAIL,
    ORG_NAME,
    flip_one_byte,
    outside_keyring,
    verify_with_only,
)

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="needs GnuPG")

URL = "https://cryptoparty.example.org"


@pytest.fixture
def signed_event(make_event, keyring, now):
    """A published event whose organization has a key on the server."""
    event = make_event()
    keys.generate_key(event.organization, keyring, name=ORG_NAME, email=ORG_EMAIL, now=now)
    return event


def test_each_channel_gets_its_own_text_within_its_limit(signed_event, now):
    drafts = service.draft(signed_event, public_url=URL, now=now)
    assert set(drafts) == set(CHANNELS)
    fpr = keys.current_key(signed_event.organization).fingerprint
    grouped = " ".join(fpr[i:i + 4] for i in range(0, 40, 4))
    event_url = f"{URL}/events/cryptoparty/"
    for channel, row in drafts.items():
        assert 0 < len(row.body.rstrip("\n")) <= CHANNEL_LIMITS[channel], channel
        assert row.event_digest == service.event_digest(signed_event)
    for channel in ("mastodon", "microblog"):
        assert event_url in drafts[channel].body and grouped in drafts[channel].body
    full = drafts["full"].body
    for workshop in signed_event.workshops:
        assert workshop.title in full
    assert "gpg --verify announcement.txt.asc" in full and f"gpg --locate-keys {ORG_EMAIL}" in full
    assert drafts["html"].body.lstrip().startswith("<article")
    assert len({row.body for row in drafts.values()}) == len(CHANNELS)
    # In the organization's language (French by default), whatever the caller's.
    assert "Programme" in full and "Inscription" in drafts["mastodon"].body


def test_html_is_escaped_and_plain_text_is_not(make_event, keyring, now):
    event = make_event(title='Café <script>alert("x")</script> & co')
    drafts = service.draft(event, public_url=URL, now=now)
    assert "<script>" not in drafts["html"].body
    assert "&lt;script&gt;" in drafts["html"].body and "&amp; co" in drafts["html"].body
    assert 'Café <script>alert("x")</script> & co' in drafts["full"].body


def test_short_posts_fit_even_with_a_very_long_title(make_event, keyring, now):
    event = make_event(title=("Une très longue soirée " * 8).strip())
    keys.generate_key(event.organization, keyring, name=ORG_NAME, email=ORG_EMAIL, now=now)
    drafts = service.draft(event, public_url=URL, now=now)
    for channel in ("mastodon", "microblog"):
        body = drafts[channel].body.rstrip("\n")
        assert len(body) <= CHANNEL_LIMITS[channel]
        assert f"{URL}/events/cryptoparty/" in body and "OpenPGP" in body


def test_edits_are_length_checked_per_channel(signed_event, now):
    drafts = service.draft(signed_event, public_url=URL, now=now)
    before = drafts["microblog"].body
    with pytest.raises(service.TextTooLong) as refused:
        service.save_text(signed_event, "microblog", "x" * 281, now=now)
    assert "281" in refused.value.describe() and "280" in refused.value.describe()
    assert service.get_announcement(signed_event, "microblog").body == before
    service.save_text(signed_event, "mastodon", "y" * 500, now=now)   # exactly the limit
    with pytest.raises(service.EmptyText):
        service.save_text(signed_event, "newsletter", "  \n ", now=now)
    saved = service.save_text(signed_event, "full", "Notre annonce, revue.\r\n", now=now)
    assert saved.body == "Notre annonce, revue.\n" and saved.edited


def test_signed_announcement_verifies_with_only_the_public_key(signed_event, keyring, now):
    announcement = service.sign(signed_event, keyring, public_url=URL, now=now)
    assert announcement.signed_at == now
    assert announcement.fingerprint == signed_event.organization.key_fingerprint
    public = keys.public_key_block(signed_event.organization, keyring).encode()
    signed = announcement.signed_text.encode("utf-8")
    good = verify_with_only(public, signed)
    assert good.returncode == 0 and b"Good signature" in good.stderr
    bad = verify_with_only(public, flip_one_byte(signed))
    assert bad.returncode != 0 and b"BAD signature" in bad.stderr


def test_staleness_follows_the_event(signed_event, keyring, now):
    announcement = service.sign(signed_event, keyring, public_url=URL, now=now)
    assert not service.is_stale(announcement, signed_event)
    # Seats taken are not part of what the announcement describes.
    signed_event.workshops[0].seats_taken = 3
    assert not service.is_stale(announcement, signed_event)
    events.update_event(signed_event, now=now, title="CryptoParty (nouvelle salle)")
    assert service.is_stale(announcement, signed_event)
    assert service.draft_is_stale(announcement, signed_event)
    service.draft(signed_event, public_url=URL, now=now, channels=["full"])
    assert service.is_stale(announcement, signed_event)       # the signed text is still the old one
    service.sign(signed_event, keyring, public_url=URL, now=now)
    assert not service.is_stale(announcement, signed_event)
    assert "nouvelle salle" in announcement.signed_text


def test_cancelling_the_event_makes_the_announcement_stale(signed_event, keyring, now):
    announcement = service.sign(signed_event, keyring, public_url=URL, now=now)
    events.change_status(signed_event, "cancel", now=now)
    assert service.is_stale(announcement, signed_event)


def test_a_wrong_passphrase_signs_nothing(make_event, keyring, now):
    event = make_event()
    keys.generate_key(event.organization, keyring, name=ORG_NAME, email=ORG_EMAIL, now=now,
                      passphrase="phrase du serveur")
    with pytest.raises(WrongPassphrase):
        service.sign(event, keyring, public_url=URL, now=now, passphrase="autre chose")
    with pytest.raises(service.NotSigned):
        service.signed_announcement(event)
    signed = service.sign(event, keyring, public_url=URL, now=now, passphrase="phrase du serveur")
    assert signed.signed_text.startswith("-----BEGIN PGP SIGNED MESSAGE-----")


def test_no_key_no_signature(make_event, keyring, now):
    event = make_event()
    with pytest.raises(keys.NoKey):
        service.sign(event, keyring, public_url=URL, now=now)


def test_signing_offline(make_event, keyring, now):
    event = make_event()
    with outside_keyring() as own, outside_keyring() as stranger:
        fpr = own.generate_key(ORG_NAME, ORG_EMAIL)
        other = stranger.generate_key("Quelqu'un d'autre", "autre@example.org")
        keys.register_public_key(event.organization, keyring, own.export_public_key(fpr),
                                 now=now)
        # The server cannot sign: the secret key is elsewhere.
        with pytest.raises(service.NoSecretKey):
            service.sign(event, keyring, public_url=URL, now=now)
        draft = service.draft(event, public_url=URL, now=now)["full"]

        # Signed by another key: refused with the reason, nothing published.
        keyring.import_public_key(stranger.export_public_key(other))
        with pytest.raises(WrongSigner):
            service.publish_offline(event, keyring, stranger.clearsign(draft.body, other),
                                    now=now)
        with pytest.raises(service.NotSigned):
            service.signed_announcement(event)

        signed = own.clearsign(draft.body, fpr)
        tampered = signed.replace("CryptoParty", "CryptoPartY", 1)
        with pytest.raises(BadSignature):
            service.publish_offline(event, keyring, tampered, now=now)

        published = service.publish_offline(event, keyring, signed, now=now)
    assert published.signed_text.strip() == signed.strip()
    assert published.fingerprint == fpr
    assert not service.is_stale(published, event)
    assert service.signed_announcement(event).id == published.id


def test_concurrent_signing_yields_only_complete_valid_signatures(signed_event, keyring, now):
    fpr = signed_event.organization.key_fingerprint
    texts = [f"Annonce n°{i}\n" + "Une ligne de l'annonce, assez longue.\n" * (50 + i)
             for i in range(8)]
    results, errors = {}, []
    start = threading.Barrier(len(texts))

    def sign(i):
        try:
            start.wait()
            results[i] = keyring.clearsign(texts[i], fpr)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sign, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    public = keyring.export_public_key(fpr).encode()
    for i, armored in results.items():
        assert armored.rstrip().endswith("-----END PGP SIGNATURE-----")
        checked = verify_with_only(public, armored.encode())
        assert checked.returncode == 0, checked.stderr
        assert keyring.verify_clearsigned(armored, fpr).text == texts[i]


def test_short_posts_list_every_workshop_when_they_fit(make_event, keyring, now):
    event = make_event(
        description="Une soirée pour apprendre à protéger sa vie privée en ligne, avec des "
                    "bénévoles de hackerspaces et d'associations, sans rien dire de soi. " * 2,
        venue="Médiathèque des Champs Libres, salle de conférences",
        program=[("S1", [dict(title="Tor Browser pour naviguer", capacity=20),
                         dict(title="Tails, le système amnésique", capacity=8)]),
                 ("S2", [dict(title="Signal au quotidien", capacity=20)])])
    keys.generate_key(event.organization, keyring, name=ORG_NAME, email=ORG_EMAIL, now=now)
    drafts = service.draft(event, public_url=URL, now=now)
    body = drafts["mastodon"].body
    assert len(body.rstrip("\n")) <= CHANNEL_LIMITS["mastodon"]
    assert "Tor Browser pour naviguer, Tails, le système amnésique, Signal au quotidien\n" \
        in body, body
    # 280 characters hold only part of the program: the list says it goes on.
    body = drafts["microblog"].body
    assert len(body.rstrip("\n")) <= CHANNEL_LIMITS["microblog"]
    assert "Ateliers\u202f: Tor Browser pour naviguer…\n" in body or \
        "Ateliers : Tor Browser pour naviguer…\n" in body, body


def test_no_draft_puts_the_venue_after_a_bare_preposition(signed_event, now):
    # « à Médiathèque des Champs Libres » is wrong French and only the organizer knows the
    # article: the venue is named on a line of its own (« Où : … ») or after a dash.
    signed_event.venue = "Médiathèque des Champs Libres"
    drafts = service.draft(signed_event, public_url=URL, now=now)
    for channel, row in drafts.items():
        for bare in ("à Médiathèque", "au Médiathèque", "at Médiathèque", "in Médiathèque"):
            assert bare not in row.body, (channel, row.body)
        assert "Médiathèque des Champs Libres" in row.body, channel
    assert "Où\u202f: Médiathèque des Champs Libres" in drafts["newsletter"].body
