"""The delivery queue's worker: sign and POST due jobs, retry with backoff, give up after 3 days.

Jobs live in the database (``federation_deliveries``), so a restart loses
nothing. A job is leased before it is sent (its ``next_attempt_at`` moved
forward by a conditional UPDATE), so two workers never send the same job at
once. Timeouts on every request keep a hanging server from blocking the rest.
"""

import json
import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from cryptoparty.core.database import atomic
from cryptoparty.core.extensions import db
from cryptoparty.events.models import Event
from cryptoparty.federation import documents, net, services, signatures
from cryptoparty.federation.documents import Urls
from cryptoparty.federation.models import FederationActor, FederationDelivery, FederationFollower

log = logging.getLogger(__name__)

GIVE_UP_AFTER = timedelta(days=3)
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=6)
LEASE = timedelta(minutes=5)
BATCH = 50


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt: 1 min, 2, 4, ... capped at 6 hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def _render(job: FederationDelivery, urls: Urls) -> dict | None:
    if job.activity is not None:
        return json.loads(job.activity)
    event = db.session.get(Event, job.event_id) if job.event_id else None
    if event is None:
        return None
    if job.activity_type != "Delete" and event.status not in services.PUBLIC_STATUSES:
        return None  # unpublished before its turn came: a draft never leaves
    activity_id = (documents.create_id(event, urls) if job.activity_type == "Create"
                   else urls.activity(job.activity_uuid))
    return documents.activity(job.activity_type, event, urls, activity_id=activity_id,
                              published=job.created_at,
                              signed=bool(services.signed_event_ids([event])))


def _lease(now: datetime) -> list[int]:
    due = list(db.session.scalars(
        select(FederationDelivery.id).where(FederationDelivery.next_attempt_at <= now)
        .order_by(FederationDelivery.next_attempt_at, FederationDelivery.id).limit(BATCH)))
    leased = []
    for job_id in due:
        with atomic():
            result = db.session.execute(
                update(FederationDelivery)
                .where(FederationDelivery.id == job_id,
                       FederationDelivery.next_attempt_at <= now)
                .values(next_attempt_at=now + LEASE))
        if result.rowcount == 1:
            leased.append(job_id)
    return leased


def deliver_due(*, now: datetime, base_url: str, secret, allow_private: bool) -> dict:
    """Send every job due at ``now``; the counts of sent, retried, dropped and gone."""
    urls = Urls(base_url)
    counts = {"sent": 0, "retry": 0, "dropped": 0, "gone": 0}
    counts["dropped"] += _drop_expired(now)
    for job_id in _lease(now):
        job = db.session.get(FederationDelivery, job_id)
        if job is None:
            continue
        actor = db.session.get(FederationActor, job.actor_id)
        activity = _render(job, urls)
        if activity is None or not actor.federation_enabled:
            with atomic():
                db.session.delete(job)
            continue
        _public, private_pem = services.ensure_keys(actor, secret)
        body = json.dumps(activity).encode()
        headers = signatures.sign_post(job.inbox_url, body,
                                       key_id=urls.key_id(actor.organization.slug),
                                       private_pem=private_pem, now=now)
        try:
            status = net.post(job.inbox_url, body, headers, allow_private=allow_private)
        except net.FetchError:
            status = None
        _settle(job, actor, status, now=now, counts=counts)
    return counts


def _drop_expired(now: datetime) -> int:
    """Drop (and count) jobs queued more than 3 days ago, even if never tried (worker down)."""
    expired = list(db.session.scalars(select(FederationDelivery).where(
        FederationDelivery.created_at < now - GIVE_UP_AFTER)))
    if not expired:
        return 0
    with atomic():
        for job in expired:
            actor = db.session.get(FederationActor, job.actor_id)
            actor.deliveries_dropped += 1
            db.session.delete(job)
    return len(expired)


def _settle(job, actor, status, *, now, counts):
    with atomic():
        if status is not None and 200 <= status < 300:
            db.session.delete(job)
            counts["sent"] += 1
        elif status == 410:
            # The follower's server says it is gone: forget every follow through it.
            db.session.execute(delete(FederationFollower).where(
                FederationFollower.actor_id == actor.id,
                FederationFollower.inbox_url == job.inbox_url))
            db.session.delete(job)
            counts["gone"] += 1
        else:
            job.attempts += 1
            job.last_status = status
            next_at = now + backoff(job.attempts)
            if next_at - job.created_at > GIVE_UP_AFTER:
                db.session.delete(job)
                actor.deliveries_dropped += 1
                counts["dropped"] += 1
            else:
                job.next_attempt_at = next_at
                counts["retry"] += 1
    log.info("federation delivery %s: %s", job.id, status)


def run(*, clock, base_url: str, secret, allow_private: bool, max_sleep: float = 5.0,
        stop=lambda: False, echo=lambda message: None):
    """Deliver due jobs until ``stop()``; sleeps at most ``max_sleep`` seconds between rounds."""
    while not stop():
        try:
            counts = deliver_due(now=clock(), base_url=base_url, secret=secret,
                                 allow_private=allow_private)
        except Exception as error:  # a database hiccup must not kill the worker
            # The class only: a message could quote an activity, and so a follower.
            log.error("federation worker round failed: %s", type(error).__name__)
            db.session.rollback()
            counts = {}
        finally:
            db.session.remove()
        if any(counts.values()):
            echo(" ".join(f"{k}={v}" for k, v in counts.items()))
            continue
        time.sleep(max_sleep)
