"""Issue 19's growth figure: the public lists and the purge, large instance vs small.

Two throwaway SQLite instances are bulk-loaded with the same shape of data
(Core ``executemany`` in one transaction, no ORM): 10 organizations (the small
one) and 1,000 (the large one). Every organization has 10 events: 5 past ones,
already purged as a long-running instance holds them (archived, marked purged
in ``events.purged_at``, their figures kept in ``event_figures``, no ticket
left), and 5 upcoming ones, each with one session, two workshops and 200
one-seat tickets. So the large instance holds 1,000 organizations, 10,000
events and 1,000,000 tickets (and as many ticket choices). Organizations share
cities five by five (2 cities on the small instance, 200 on the large one) and
events alternate between two kinds, so that every filtered first page is a
full page on both.

The pages are then requested from one gunicorn server per instance, one client
alternating between the two servers (same conditions for both), and the
figure is the large instance's median latency over the small one's, per page;
``flask purge``'s work (``privacy.retention.purge``, in process: the command's
own start-up would hide it) is timed the same way, alternated.
"""

import http.client
import statistics
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from bench import client

SMALL, LARGE = 10, 1000
EVENTS_PER_ORG, PAST_PER_ORG = 10, 5
TICKETS_PER_EVENT = 200
ORGS_PER_CITY = 5
KINDS = ("cryptoparty", "cafe_vie_privee")
CHUNK = 50_000


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def org_slug(index: int) -> str:
    return f"org-{index:04d}"


def city(index: int) -> str:
    return f"Ville {index // ORGS_PER_CITY:03d}"


def bulk_load(app, organizations: int, now: datetime) -> dict:
    """Fill an empty instance (after ``flask init-db``) in one transaction; row counts."""
    from sqlalchemy import insert

    from cryptoparty.accounts.models import Organization
    from cryptoparty.core.extensions import db
    from cryptoparty.events.models import Event, EventSession, Workshop
    from cryptoparty.registration.models import EventFigures, Ticket, TicketChoice

    today = now.date()
    counts = {"organizations": 0, "events": 0, "tickets": 0}
    with app.app_context(), db.engine.begin() as connection:
        def put(table, rows):
            rows = list(rows)
            for start in range(0, len(rows), CHUNK):
                connection.execute(insert(table), rows[start:start + CHUNK])

        put(Organization.__table__, (
            {"id": i + 1, "slug": org_slug(i), "name": f"Médiathèque {i:04d}", "city": city(i),
             "default_locale": "fr", "timezone": "Europe/Paris"} for i in range(organizations)))
        events, sessions, workshops, figures = [], [], [], []
        event_id = session_id = workshop_id = 0
        upcoming = []
        for i in range(organizations):
            for k in range(EVENTS_PER_ORG):
                event_id += 1
                past = k < PAST_PER_ORG
                spread = (i * EVENTS_PER_ORG + k) % 600
                starts = (now - timedelta(days=30 + spread) if past
                          else now + timedelta(days=1 + spread % 180)).replace(
                    hour=17, minute=0, second=0, microsecond=0)
                events.append({
                    "id": event_id, "organization_id": i + 1, "kind": KINDS[k % 2],
                    "slug": f"{org_slug(i)}-{k}", "title": f"Soirée {k} de {org_slug(i)}",
                    "description": "", "venue": "Salle", "address": "", "timezone": "Europe/Paris",
                    "starts_at": starts, "ends_at": starts + timedelta(hours=3),
                    "registration_opens_at": None, "registration_closes_at": None,
                    "status": "archived" if past else "published", "retention_days": 7,
                    "max_party": 4, "created_at": now, "updated_at": now, "version": 0,
                    # What the purge leaves on an event it emptied: its mark, once the
                    # retention (7 days) was over.
                    "purged_at": starts + timedelta(hours=3, days=7) if past else None})
                session_id += 1
                sessions.append({"id": session_id, "event_id": event_id, "label": "Soirée",
                                 "starts_at": starts, "ends_at": starts + timedelta(hours=3)})
                fills = {}
                for w in range(2):
                    workshop_id += 1
                    taken = 0 if past else TICKETS_PER_EVENT // 2
                    workshops.append({
                        "id": workshop_id, "session_id": session_id, "event_id": event_id,
                        "slug": f"atelier-{w}", "format": "workshop", "title": f"Atelier {w}",
                        "capacity": 250, "seats_taken": taken, "level": "beginner",
                        "needs_facilitator": False, "facilitators": 0, "position": w})
                    fills[str(workshop_id)] = {"capacity": 250, "confirmed": 90,
                                               "waitlisted": 0}
                    if not past:
                        upcoming.append((event_id, session_id, workshop_id))
                if past:
                    figures.append({"event_id": event_id, "walk_ins": 3, "registered": 180,
                                    "tickets": 180, "waitlisted": 0, "checked_in": 150,
                                    "workshops": fills, "purged_on": starts.date()})
        put(Event.__table__, events)
        put(EventSession.__table__, sessions)
        put(Workshop.__table__, workshops)
        put(EventFigures.__table__, figures)

        def tickets():
            ticket_id = 0
            for event, _session, _workshop in upcoming[::2]:
                for _ in range(TICKETS_PER_EVENT):
                    ticket_id += 1
                    yield {"id": ticket_id, "event_id": event, "code_hash": f"{ticket_id:064x}",
                           "party": 1, "status": "active", "created_on": today,
                           "checked_in": False}

        def choices():
            ticket_id = 0
            for index in range(0, len(upcoming), 2):
                for t in range(TICKETS_PER_EVENT):
                    ticket_id += 1
                    event, session, workshop = upcoming[index + t % 2]
                    yield {"id": ticket_id, "ticket_id": ticket_id, "session_id": session,
                           "workshop_id": workshop, "status": "confirmed"}

        counts["tickets"] = _stream(connection, Ticket.__table__, tickets())
        _stream(connection, TicketChoice.__table__, choices())
        counts.update(organizations=organizations, events=len(events))
    return counts


def _stream(connection, table, rows) -> int:
    """executemany in chunks from a generator (a million dicts never held at once)."""
    from sqlalchemy import insert

    statement, chunk, total = insert(table), [], 0
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            connection.execute(statement, chunk)
            total += len(chunk)
            chunk = []
    if chunk:
        connection.execute(statement, chunk)
        total += len(chunk)
    return total


def pages() -> dict:
    """The pages measured: name -> path (the same on both instances)."""
    return {
        "home": "/",
        "home_page_2": "/?page=2",
        "directory_city": "/?city=" + city(0).replace(" ", "+"),
        "directory_kind": "/?kind=cafe_vie_privee",
        "directory_city_kind": "/?city=" + city(0).replace(" ", "+") + "&kind=cryptoparty",
        "organization": f"/orgs/{org_slug(0)}/",
        "showcase": "/showcase",
    }


def compare_pages(small_url: str, large_url: str, count: int, warmup: int = 5) -> dict:
    """Each page, alternating between the two servers; medians and their ratio."""
    ends = []
    for url in (small_url, large_url):
        parts = urlsplit(url)
        ends.append([parts, http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)])
    results = {}
    for name, path in pages().items():
        times = ([], [])
        for round_index in range(warmup + count):
            for side, end in enumerate(ends):
                status, elapsed, end[1] = client.timed(end[1], end[0], "GET", path)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
                if round_index >= warmup:
                    times[side].append(elapsed)
        small, large = (statistics.median(t) * 1000 for t in times)
        results[name] = {"path": path, "small_p50_ms": round(small, 2),
                         "large_p50_ms": round(large, 2), "ratio": round(large / small, 3)}
    for end in ends:
        end[1].close()
    return results


def compare_purge(small_app, large_app, count: int) -> dict:
    """``privacy.retention.purge`` on each instance, alternated, in process."""
    from cryptoparty.privacy import retention

    times = ([], [])
    purged = [0, 0]
    for round_index in range(count + 2):
        for side, app in enumerate((small_app, large_app)):
            with app.app_context():
                began = time.perf_counter()
                report = retention.purge(utcnow())
                elapsed = time.perf_counter() - began
            purged[side] += len(report.events)
            if round_index >= 2:
                times[side].append(elapsed)
    small, large = (statistics.median(t) * 1000 for t in times)
    return {"small_p50_ms": round(small, 2), "large_p50_ms": round(large, 2),
            "ratio": round(large / small, 3), "events_purged": purged}
