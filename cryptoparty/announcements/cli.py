"""``flask --app cryptoparty generate-key ORG`` and ``sign EVENT``, and the demo's key."""

from datetime import datetime, timezone

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from cryptoparty.accounts.models import Organization
from cryptoparty.announcements import keys as key_service
from cryptoparty.announcements import services as announcement_service
from cryptoparty.core.errors import DomainError
from cryptoparty.core.extensions import db
from cryptoparty.core.openpgp import describe_openpgp_error, get_keyring, passphrase
from cryptoparty.core.urls import public_base_url
from cryptoparty.events.models import Event
from cryptoparty.gpg import keyring as openpgp


def _now():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _fail(error):
    if isinstance(error, openpgp.OpenPGPError):
        message = describe_openpgp_error(error)
        if error.detail:
            message += f"\n{error.detail}"
        raise click.ClickException(message) from None
    raise click.ClickException(error.describe()) from None


@click.command("generate-key")
@click.argument("org")
@click.option("--name", default=None, help="Name on the key (default: the organization's).")
@click.option("--email", default=None,
              help="Address on the key (default: annonces@<the PUBLIC_URL's domain>).")
@click.option("--rotate", is_flag=True,
              help="Replace the current key; it stays published for old announcements.")
@with_appcontext
def generate_key(org, name, email, rotate):
    """Generate the organization's Ed25519 signing key."""
    organization = db.session.scalar(select(Organization).filter_by(slug=org))
    if organization is None:
        raise click.ClickException(f"No organization '{org}'.")
    try:
        key = key_service.generate_key(
            organization, get_keyring(current_app), name=name or organization.name,
            email=email or key_service.default_email(public_base_url()),
            now=_now(), passphrase=passphrase(current_app), rotate=rotate)
    except key_service.KeyAlreadyExists as error:
        raise click.ClickException(f"{error.describe()} (--rotate)") from None
    except (DomainError, openpgp.OpenPGPError) as error:
        _fail(error)
    click.echo(f"Key of {organization.slug}: {openpgp.fingerprint_groups(key.fingerprint)}")
    click.echo(f"User ID: {key.user_id}")


@click.command("sign")
@click.argument("event")
@click.option("--redraft", is_flag=True, help="Draft the full text again from the event first.")
@with_appcontext
def sign(event, redraft):
    """Sign the event's full announcement with its organization's key and publish it."""
    found = db.session.scalar(select(Event).filter_by(slug=event))
    if found is None:
        raise click.ClickException(f"No event '{event}'.")
    public_url = public_base_url()
    now = _now()
    try:
        if redraft:
            announcement_service.draft(found, public_url=public_url, now=now,
                                       channels=[announcement_service.SIGNED_CHANNEL])
        announcement = announcement_service.sign(found, get_keyring(current_app),
                                                 public_url=public_url, now=now,
                                                 passphrase=passphrase(current_app))
    except (DomainError, openpgp.OpenPGPError) as error:
        _fail(error)
    click.echo(f"Signed with {openpgp.fingerprint_groups(announcement.fingerprint)}: "
               f"{public_url.rstrip('/')}/events/{found.slug}/announcement.txt.asc")


def demo_key_and_announcement(org_slug: str, event_slug: str, now: datetime) -> list[str]:
    """Give the demo organization a key and the demo event a signed announcement, if missing.

    Kept out of ``services.demo.load_demo`` so that loading the demo data needs no gpg.
    """
    try:
        return _demo_key_and_announcement(org_slug, event_slug, now)
    except (DomainError, openpgp.OpenPGPError) as error:
        # The demo stays usable without GnuPG; say why there is no signature.
        message = (describe_openpgp_error(error) if isinstance(error, openpgp.OpenPGPError)
                   else error.describe())
        return [f"no signed announcement ({message})"]


def _demo_key_and_announcement(org_slug: str, event_slug: str, now: datetime) -> list[str]:
    done = []
    organization = db.session.scalar(select(Organization).filter_by(slug=org_slug))
    if organization is None:
        return done
    keyring = get_keyring(current_app)
    public_url = public_base_url()
    if key_service.current_key(organization) is None:
        key_service.generate_key(organization, keyring, name=organization.name,
                                 email=key_service.default_email(public_url), now=now,
                                 passphrase=passphrase(current_app))
        done.append("key")
    event = db.session.scalar(select(Event).filter_by(slug=event_slug))
    if event is not None and not announcement_service.announcements_of(event):
        announcement_service.draft(event, public_url=public_url, now=now)
        announcement_service.sign(event, keyring, public_url=public_url, now=now,
                                  passphrase=passphrase(current_app))
        done.append("signed announcement")
    return done
