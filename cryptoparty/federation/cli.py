"""``flask federation`` commands: the worker, one delivery round, the switch."""

import signal
from datetime import datetime, timezone

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from cryptoparty.accounts.models import Organization
from cryptoparty.core.extensions import db
from cryptoparty.core.urls import public_base_url
from cryptoparty.federation import services, worker


def _now():
    fixed = current_app.config.get("FIXED_NOW")
    return fixed or datetime.now(timezone.utc).replace(tzinfo=None)


def _settings():
    return dict(base_url=public_base_url(),
                secret=current_app.config["SECRET_KEY"],
                allow_private=bool(current_app.config.get("FEDERATION_ALLOW_PRIVATE")))


@click.group("federation")
def federation():
    """ActivityPub federation: delivery worker and per-organization switch."""


@federation.command("worker")
@click.option("--max-sleep", default=5.0, show_default=True,
              help="Longest pause between two rounds, in seconds.")
@with_appcontext
def worker_command(max_sleep):
    """Deliver queued activities until stopped (SIGTERM or Ctrl-C)."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    click.echo("Federation worker started.")
    try:
        worker.run(clock=_now, max_sleep=max_sleep, stop=lambda: bool(stopping),
                   echo=click.echo, **_settings())
    except KeyboardInterrupt:
        pass
    click.echo("Federation worker stopped.")


@federation.command("deliver-once")
@with_appcontext
def deliver_once():
    """Deliver the jobs that are due now, once."""
    counts = worker.deliver_due(now=_now(), **_settings())
    click.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


@federation.command("enable")
@click.argument("slug")
@click.option("--off", is_flag=True, help="Turn federation off instead.")
@with_appcontext
def enable(slug, off):
    """Turn federation on (or off) for an organization."""
    org = db.session.scalar(select(Organization).filter_by(slug=slug))
    if org is None:
        raise click.ClickException(f"No organization '{slug}'.")
    services.set_federation(org, not off, now=_now())
    click.echo(f"Federation {'off' if off else 'on'} for '{slug}'.")


@federation.command("new-key")
@click.argument("slug")
@with_appcontext
def new_key(slug):
    """Replace an organization's signing key (e.g. after SECRET_KEY changed)."""
    org = db.session.scalar(select(Organization).filter_by(slug=slug))
    if org is None:
        raise click.ClickException(f"No organization '{slug}'.")
    services.forget_keys(org)
    actor = services.get_actor(org)
    if actor is not None:
        services.ensure_keys(actor, current_app.config["SECRET_KEY"])
    click.echo(f"New federation key for '{slug}'.")
