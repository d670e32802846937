"""``flask --app cryptoparty kit EVENT -o FILE.pdf``: print an event's whole kit."""

from datetime import datetime, timezone
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from cryptoparty.core.errors import DomainError
from cryptoparty.core.urls import public_base_url
from cryptoparty.events.services import event_by_slug_or_none
from cryptoparty.kits import services as kits


@click.command("kit")
@click.argument("event_slug", metavar="EVENT")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              required=True, help="Where to write the PDF.")
@click.option("--lang", type=click.Choice(kits.LANGUAGES), default=None,
              help="Language of the kit (default: the organization's).")
@click.option("--paper", type=click.Choice(sorted(kits.PAPERS)), default="a4",
              show_default=True, help="Paper size.")
@click.option("--workshop", "workshop_slug", default=None,
              help="Only this workshop's kit (its slug).")
@with_appcontext
def kit(event_slug, output, lang, paper, workshop_slug):
    """Write the printable kit of EVENT (any status) to a PDF file.

    Addresses printed in it start with the PUBLIC_URL setting.
    """
    event = event_by_slug_or_none(event_slug)
    if event is None:
        raise click.ClickException(f"No event '{event_slug}'.")
    locale = lang or event.organization.default_locale
    if locale not in kits.LANGUAGES:
        locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    public_url = public_base_url()
    try:
        if workshop_slug:
            workshop = next((w for w in event.workshops if w.slug == workshop_slug), None)
            if workshop is None:
                raise click.ClickException(f"No workshop '{workshop_slug}' in '{event_slug}'.")
            job = kits.workshop_kit_job(event, workshop, locale=locale, paper=paper,
                                        public_url=public_url, now=now)
        else:
            job = kits.event_kit_job(event, locale=locale, paper=paper,
                                     public_url=public_url, now=now)
        cached = kits.pdf_file(job)
    except DomainError as error:
        raise click.ClickException(error.describe()) from None
    Path(output).write_bytes(cached.read_bytes())
    click.echo(f"Kit written to {output} ({cached.stat().st_size // 1024} KiB, {locale}, "
               f"{paper}).")
