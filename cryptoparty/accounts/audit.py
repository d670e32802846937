"""The audit trail of sensitive staff actions: who (a staff login), what, when, on what.

Never an attendee's or a volunteer's data: the object is an event's slug, a
staff login, a key fingerprint, or "volunteer #id" of an event. Times are kept
to the minute. Owners read it; ``flask purge`` deletes entries older than the
organization's audit retention (1 year by default).
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from cryptoparty.accounts.models import AuditAction, AuditEntry, Organization, Organizer
from cryptoparty.core.database import atomic
from cryptoparty.core.extensions import db

MAX_LABEL = 200


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def record(actor: Organizer, organization: Organization, action: AuditAction,
           object_label: str, now: datetime) -> AuditEntry:
    """Add one entry (inside the caller's transaction when there is one)."""
    with atomic():
        entry = AuditEntry(organization_id=organization.id, actor_login=actor.login,
                           action=AuditAction(action).value,
                           object_label=(object_label or "")[:MAX_LABEL], at=_minute(now))
        db.session.add(entry)
    return entry


def entries(organization: Organization, limit: int = 500) -> list[AuditEntry]:
    """The organization's entries, newest first."""
    return list(db.session.scalars(
        select(AuditEntry).filter_by(organization_id=organization.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))


def purge(now: datetime) -> int:
    """Delete every entry older than its organization's audit retention; the count deleted.

    One DELETE per distinct retention (a few), not one per organization: its cost
    does not grow with the number of organizations (issue 19: growth).
    """
    deleted = 0
    with atomic():
        retentions = db.session.scalars(select(Organization.audit_retention_days).distinct())
        for days in sorted(retentions):
            result = db.session.execute(
                delete(AuditEntry).where(
                    AuditEntry.at < now - timedelta(days=days),
                    AuditEntry.organization_id.in_(
                        select(Organization.id).where(Organization.audit_retention_days == days)))
                .execution_options(synchronize_session=False))
            deleted += result.rowcount or 0
    return deleted
