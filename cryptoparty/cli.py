"""``flask --app cryptoparty`` commands."""


import click
from flask.cli import with_appcontext
from sqlalchemy import select

from cryptoparty.core import clock
from cryptoparty.core.errors import DomainError
from cryptoparty.core.extensions import db


def init_app(app):
    """Register the commands."""
    for command in (init_db, demo, create_organizer):
        app.cli.add_command(command)
    from cryptoparty.privacy.cli import purge
    app.cli.add_command(purge)
    from cryptoparty.announcements import cli as openpgp_cli
    for command in (openpgp_cli.generate_key, openpgp_cli.sign):
        app.cli.add_command(command)
    from cryptoparty.kits.cli import kit
    app.cli.add_command(kit)


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database schema (Alembic migrations)."""
    from flask_migrate import upgrade

    from cryptoparty.core import resources

    upgrade(directory=str(resources.MIGRATIONS))
    click.echo("Database is up to date.")


@click.command("demo")
@with_appcontext
def demo():
    """Load the demo organization, organizer and events (idempotent)."""
    from cryptoparty.events.demo import (
        DEMO_DOOR_LOGIN,
        DEMO_DOOR_PASSWORD,
        DEMO_LOGIN,
        DEMO_PASSWORD,
        load_demo,
    )

    created = load_demo(today=clock.now().date(), now=clock.now())
    from cryptoparty.accounts.models import Organization
    from cryptoparty.events.demo import DEMO_ORG
    from cryptoparty.federation.services import federate_by_default

    # The demo organization federates, unless somebody turned it off since.
    federate_by_default(db.session.scalar(select(Organization).filter_by(slug=DEMO_ORG)),
                        now=clock.now())
    from cryptoparty.announcements.cli import demo_key_and_announcement
    created["events"] = list(created["events"]) + demo_key_and_announcement(
        DEMO_ORG, "cryptoparty", now=clock.now())
    from cryptoparty.figures.demo import load_demo_activity

    created["events"] += load_demo_activity(now=clock.now())
    made = ", ".join(created["events"]) or "nothing new"
    click.echo(f"Demo data: {made}.")
    click.echo(f"Demo organizer: login '{DEMO_LOGIN}', password '{DEMO_PASSWORD}'.")
    click.echo(f"Demo door account: login '{DEMO_DOOR_LOGIN}', password "
               f"'{DEMO_DOOR_PASSWORD}' (check-in of the day only).")


@click.command("create-organizer")
@click.argument("login")
@click.option("--name", default="", help="Name shown in the back office.")
@click.option("--org", "org_slugs", multiple=True,
              help="Slug of an organization to join (created if --org-name is given).")
@click.option("--org-name", default=None, help="Create the organization with this name.")
@click.option("--admin", is_flag=True, default=False,
              help="An instance administrator: creates organizations and their first owner's "
                   "invitation from the back office.")
@click.password_option(help="At least 12 characters; prompted when omitted.")
@with_appcontext
def create_organizer(login, name, org_slugs, org_name, admin, password):
    """Create an organizer account, owner of the given organizations."""
    from cryptoparty.accounts import services as organizers
    from cryptoparty.accounts.models import Organization

    orgs = []
    try:
        for slug in org_slugs:
            org = db.session.scalar(select(Organization).filter_by(slug=slug))
            if org is None:
                if not org_name:
                    raise click.ClickException(
                        f"No organization '{slug}'; add --org-name to create it.")
                org = organizers.create_organization(slug, org_name)
            orgs.append(org)
        organizers.create_organizer(login, password, display_name=name, organizations=orgs,
                                    is_admin=admin)
    except DomainError as error:
        raise click.ClickException(error.describe()) from None
    click.echo(f"Organizer '{login}' created" + (" (instance administrator)." if admin else "."))
