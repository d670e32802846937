"""``flask --app cryptoparty purge [--now ISO-DATE]``: apply the retention periods."""

from datetime import datetime, timezone

import click
from flask.cli import with_appcontext

from cryptoparty.core import clock


def _parse_now(value: str | None) -> datetime:
    if not value:
        return clock.now()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            "use an ISO date such as 2026-03-01 or 2026-03-01T12:00") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


@click.command("purge")
@click.option("--now", "now_text", default=None, metavar="ISO-DATE",
              help="Act as if it were this date (UTC); default: now.")
@with_appcontext
def purge(now_text):
    """Delete tickets and volunteer contacts of events whose retention period is over."""
    from cryptoparty.privacy import retention

    report = retention.purge(_parse_now(now_text))
    for event in report.events:
        click.echo(f"{event.slug}: {event.tickets} ticket(s), {event.choices} choice(s), "
                   f"{event.volunteer_contacts} volunteer contact(s) deleted; figures kept"
                   + ("; archived" if event.archived else ""))
    click.echo(f"Purge done: {len(report.events)} event(s), {report.tickets} ticket(s), "
               f"{report.volunteer_contacts} volunteer contact(s), "
               f"{report.audit_entries} audit trail entr(y/ies), "
               f"{report.check_in_times} check-in time(s) cleared.")
