"""``make bench``: measure the application against bare baselines, print JSON.

Everything runs on loopback against throwaway instances (a SQLite file in a
temporary folder; on PostgreSQL a dedicated database, dropped at the end), with
rate limits off (``CRYPTOPARTY_RATELIMIT_ENABLED=false``). Each figure with a
baseline is measured in the same run, with the same client code and the same
gunicorn configuration (``gunicorn.conf.py``), and reported as a ratio. Runs
alternate between the application and its baseline and the best of each is
kept, so that a burst of load from elsewhere on the machine does not decide
the ratio. Every loop is bounded by time or count.

Figures whose code is missing are ``{"skipped": "<reason>"}``; a figure whose
measurement failed is ``{"error": "<what>"}`` and the exit status is 1.

The ``aims`` part of the JSON lists every figure of issue 19's table with its
aim and whether it is met; the same table goes into ``docs/performance.md``,
between the ``<!-- bench:begin -->`` and ``<!-- bench:end -->`` comments (the
rest of that file is left alone).

Options: ``--quick`` (short runs and a burst scaled down tenfold, no growth
figure, for trying the benchmark itself), ``--duration SECONDS``, ``--clients N``,
``--no-postgres``, ``--growth-only`` (only the growth figure of bench/growth.py:
1,000 organizations vs 10, several minutes of bulk load; prints JSON, leaves the
docs alone), ``--growth-pages N``, ``--output FILE``, ``--docs FILE`` / ``--no-docs``.
"""

import argparse
import contextlib
import json
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bench import client, page_weight
from bench.servers import Server, app_env, flask

APP = "cryptoparty:create_app()"
BASELINE = "bench.baseline_app:create_app()"
EVENT_PAGE = "/events/cryptoparty/"
JSON_HEADERS = {"Content-Type": "application/json"}
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
GROWTH_SMALL, GROWTH_LARGE = 100, 100_000
DOCS = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
DOCS_BEGIN, DOCS_END = "<!-- bench:begin -->", "<!-- bench:end -->"
# The burst of issue 19: registrations, clients, seconds (--quick: a tenth of it).
BURST, BURST_QUICK = (2000, 200, 60.0), (200, 20, 6.0)

errors: list[str] = []


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@contextlib.contextmanager
def measured(results: dict, key: str):
    """Run a measurement; record its failure as {"error": ...} instead of stopping the run."""
    try:
        yield
    except Skip as skip:
        results[key] = {"skipped": str(skip)}
    except Exception as error:  # noqa: BLE001 - one figure's failure must not hide the others
        results[key] = {"error": f"{type(error).__name__}: {error}"}
        errors.append(key)
        traceback.print_exc(file=sys.stderr)


class Skip(Exception):
    """This figure cannot be measured here (its code or a service is missing)."""


@contextlib.contextmanager
def environment(env: dict):
    """os.environ replaced by ``env`` for the block (create_app reads it)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def make_app(env: dict):
    """The application configured exactly as the server of this instance is."""
    from cryptoparty import create_app

    with environment(env):
        return create_app()


# Data -----------------------------------------------------------------------------

def prepare_bench_event(app, slug: str = "bench") -> dict:
    """An open event with a "bulk" session (for the existing tickets) and a "main" one.

    Both workshops get a capacity far above what a run can fill (set in SQL:
    forms cap it at 10,000), so every registration is a confirmed one.
    """
    from sqlalchemy import select, update

    from cryptoparty.accounts.models import Organization
    from cryptoparty.core.extensions import db
    from cryptoparty.events import services as event_service
    from cryptoparty.events.models import Workshop

    now = utcnow()
    with app.app_context():
        org = db.session.scalar(select(Organization).filter_by(slug="biblinsa"))
        starts = now.replace(hour=17, minute=0, second=0, microsecond=0) + timedelta(days=40)
        event = event_service.create_event(
            org, now=now, slug=slug, kind="cryptoparty", title=slug.title(), description="",
            venue="Loopback", address="", timezone="Europe/Paris", starts_at=starts,
            ends_at=starts + timedelta(hours=4), registration_opens_at=now - timedelta(days=1),
            registration_closes_at=starts, max_party=4)
        sessions, workshops = {}, {}
        for index, name in enumerate(("bulk", "main")):
            session = event_service.add_session(
                event, label=name, starts_at=starts + timedelta(hours=2 * index),
                ends_at=starts + timedelta(hours=2 * index + 1), now=now)
            workshop = event_service.add_workshop(
                session, now=now, slug=name, format="workshop", title=name.title(),
                summary="", topics="", level="beginner", room="", capacity=10_000,
                needs_facilitator=False)
            sessions[name], workshops[name] = session.id, workshop.id
        event_service.change_status(event, "publish", now=now)
        db.session.execute(update(Workshop).where(Workshop.id.in_(workshops.values()))
                           .values(capacity=10 * GROWTH_LARGE))
        db.session.commit()
        return {"slug": slug, "event": event.id, "sessions": sessions, "workshops": workshops}


def count_tickets(app, event_id: int) -> int:
    from sqlalchemy import func, select

    from cryptoparty.core.extensions import db
    from cryptoparty.registration.models import Ticket

    with app.app_context():
        return db.session.scalar(select(func.count(Ticket.id)).filter_by(event_id=event_id))


def add_tickets(app, bench: dict, count: int, batch: int = 10_000):
    """Insert ``count`` confirmed one-person tickets into the bench event, in bulk (SQL).

    Tickets go in with a plain multi-row INSERT; their choices (in the "bulk"
    session, so the "main" workshop's waitlist is untouched) with one
    INSERT ... SELECT.
    """
    from sqlalchemy import insert, text, update

    from cryptoparty.core.extensions import db
    from cryptoparty.events.models import Workshop
    from cryptoparty.registration.models import Ticket

    today = date.today()
    with app.app_context():
        for start in range(0, count, batch):
            size = min(batch, count - start)
            db.session.execute(insert(Ticket.__table__), [
                {"event_id": bench["event"], "code_hash": secrets.token_hex(32), "party": 1,
                 "status": "active", "created_on": today, "checked_in": False}
                for _ in range(size)])
            db.session.execute(text(
                "INSERT INTO ticket_choices (ticket_id, session_id, workshop_id, status) "
                "SELECT t.id, :session, :workshop, 'confirmed' FROM tickets t "
                "LEFT JOIN ticket_choices c ON c.ticket_id = t.id "
                "WHERE t.event_id = :event AND c.id IS NULL"),
                {"session": bench["sessions"]["bulk"], "workshop": bench["workshops"]["bulk"],
                 "event": bench["event"]})
            db.session.execute(update(Workshop).where(Workshop.id == bench["workshops"]["bulk"])
                               .values(seats_taken=Workshop.seats_taken + size))
            db.session.commit()


def fill_to(app, bench: dict, total: int):
    """Bring the bench event to ``total`` tickets."""
    missing = total - count_tickets(app, bench["event"])
    if missing > 0:
        add_tickets(app, bench, missing)


# Measurements ------------------------------------------------------------------------

def registration_body(bench: dict) -> bytes:
    return json.dumps({"workshops": [bench["workshops"]["main"]], "party": 1}).encode()


def best_of(runs: list[dict]) -> dict:
    best = max(runs, key=lambda run: run["per_second"])
    return dict(best, runs_per_second=[run["per_second"] for run in runs])


def compare(app_server: Server, base_server: Server, app_request: dict, base_request: dict,
            opts) -> dict:
    """The app and its baseline under the same load, alternating; the best run of each."""
    app_runs, base_runs = [], []
    for _ in range(opts.repeat):
        app_runs.append(client.load(app_server.url, clients=opts.clients,
                                    duration=opts.duration, **app_request))
        base_runs.append(client.load(base_server.url, clients=opts.clients,
                                     duration=opts.duration, **base_request))
    app_best, base_best = best_of(app_runs), best_of(base_runs)
    ratio = (app_best["per_second"] / base_best["per_second"]) if base_best["per_second"] else None
    return {"clients": opts.clients, "app": app_best, "baseline": base_best,
            "ratio": round(ratio, 3) if ratio is not None else None}


def growth(app, server: Server, small: dict, large: dict, opts) -> dict:
    """Registration latency (one client) in an event of 100 tickets and one of 100,000.

    First the small event alone, while the database holds few tickets; then
    100,000 tickets go into the large event (same database) and registrations
    alternate between the two events, so that both are measured under the same
    conditions: the ratio is the large event's median over the small one's in
    that alternated run. Bounded by ``opts.growth_count``.
    """
    def request_for(bench):
        return (f"/api/v1/events/{bench['slug']}/tickets", registration_body(bench))

    fill_to(app, small, GROWTH_SMALL)
    path, body = request_for(small)
    alone = client.sequential(server.url, "POST", path, body=body, headers=JSON_HEADERS,
                              expect=201, count=opts.growth_count)
    began = time.perf_counter()
    fill_to(app, large, GROWTH_LARGE)
    filled_in = time.perf_counter() - began
    both = client.alternating(server.url, [request_for(small), request_for(large)],
                              headers=JSON_HEADERS, expect=201, count=opts.growth_count)
    small_p50, large_p50 = both[0]["p50_ms"], both[1]["p50_ms"]
    return {
        f"event_with_{GROWTH_SMALL}_before_bulk": alone,
        f"event_with_{GROWTH_SMALL}": both[0],
        f"event_with_{GROWTH_LARGE}": both[1],
        "ratio_p50": round(large_p50 / small_p50, 3) if small_p50 else None,
        "bulk_insert_seconds": round(filled_in, 1),
    }


def write_page_template(html: str, directory: Path):
    """The baseline's template: the event page's own HTML, with one variable in it."""
    directory.mkdir(parents=True, exist_ok=True)
    body = "{% raw %}" + html.replace("{% endraw %}", "") + "{% endraw %}"
    body = body.replace("<title>", "<title>{% endraw %}{{ title }}{% raw %} · ", 1)
    (directory / "page.html").write_text(body)


def http_get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode()


def settle_after_pdf(server: Server, pids_before: list[int], deadline: float = 30.0) -> dict:
    """Wait for gunicorn.conf.py to replace the worker that rendered the kit, then warm up.

    A worker that rendered a PDF is recycled after its request (it holds WeasyPrint);
    its replacement imports the app, and is measured once it served pages like the others.
    """
    began = time.monotonic()
    while time.monotonic() - began < deadline:
        pids = server.worker_pids()
        if set(pids) != set(pids_before) and len(pids) >= server.expected_workers():
            break
        time.sleep(0.5)
    for _ in range(200):
        http_get(server.url + EVENT_PAGE)
    return {"recycled_workers": len(set(pids_before) - set(server.worker_pids())),
            "settle_seconds": round(time.monotonic() - began, 1)}


def memory(app_server: Server, base_server: Server | None) -> dict:
    app_rss = app_server.worker_rss_kib()
    result = {"app_workers_kib": app_rss, "app_worker_max_mib": round(max(app_rss) / 1024, 1)}
    if base_server is not None:
        base_rss = base_server.worker_rss_kib()
        result["baseline_workers_kib"] = base_rss
        result["baseline_worker_max_mib"] = round(max(base_rss) / 1024, 1)
    return result


def kit_render(app) -> dict:
    """The demo kit: kits/services.py's render against bare WeasyPrint on the same HTML."""
    try:
        from cryptoparty.kits import services as kits
    except ImportError as error:
        raise Skip(f"kits/services.py is not there yet ({error})") from None
    from weasyprint import HTML

    now = utcnow()
    with app.app_context(), app.test_request_context():
        job = kits.demo_kit_job(public_url="http://127.0.0.1:5000", now=now)
        began = time.perf_counter()
        html = kits.render_html(job)
        html_seconds = time.perf_counter() - began
        pages = None
        # Fonts and WeasyPrint's own start-up, paid once before either timed render.
        HTML(string="<p>warm-up</p>").write_pdf()
        kits.render_pdf(job, "<p>warm-up</p>")  # the app's font configuration: made on first use
        began = time.perf_counter()
        HTML(string=html, base_url=str(kits.STATIC_DIR) + "/").write_pdf()
        bare_seconds = time.perf_counter() - began
        began = time.perf_counter()
        pdf = kits.render_pdf(job, html)
        app_seconds = time.perf_counter() - began
        try:
            import io

            from pypdf import PdfReader

            pages = len(PdfReader(io.BytesIO(pdf)).pages)
        except ImportError:
            pass
    return {"pages": pages, "pdf_bytes": len(pdf), "html_seconds": round(html_seconds, 3),
            "app_seconds": round(app_seconds, 2), "bare_weasyprint_seconds": round(bare_seconds, 2),
            "ratio": round(app_seconds / bare_seconds, 3)}


def kit_download(server: Server) -> dict:
    """GET /events/cryptoparty/kit.pdf as the demo organizer: first (rendered), then cached."""
    import re

    import requests

    session = requests.Session()
    page = session.get(server.url + "/login", timeout=30)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    done = session.post(server.url + "/login", timeout=30, allow_redirects=False,
                        data={"csrf_token": token, "login": "demo",
                              "password": "demo-cryptoparty"})
    if done.status_code != 302:
        raise RuntimeError(f"demo organizer login answered {done.status_code}")
    url = server.url + "/events/cryptoparty/kit.pdf"
    began = time.perf_counter()
    first = session.get(url, timeout=300)
    first_seconds = time.perf_counter() - began
    if first.status_code == 404:
        raise Skip("GET /events/cryptoparty/kit.pdf answers 404: the kit route is not there yet")
    if first.status_code != 200 or not first.content.startswith(b"%PDF"):
        raise RuntimeError(f"kit.pdf answered {first.status_code} {first.content[:40]!r}")
    cached = []
    for _ in range(5):
        began = time.perf_counter()
        again = session.get(url, timeout=60)
        cached.append(time.perf_counter() - began)
        if again.content != first.content:
            raise RuntimeError("the cached kit differs from the first download")
    return {"first_download_seconds": round(first_seconds, 2),
            "cached_download_ms": round(statistics.median(cached) * 1000, 1),
            "pdf_bytes": len(first.content)}


def sign_announcement(app) -> dict:
    """Clearsign the demo event's announcement with the organization's key (issue 4)."""
    try:
        from cryptoparty.announcements import keys
        from cryptoparty.announcements import services as announcements
        from cryptoparty.core.openpgp import get_keyring, passphrase
    except ImportError as error:
        raise Skip(f"announcement signing is not there yet ({error})") from None
    from sqlalchemy import select

    from cryptoparty.core.extensions import db
    from cryptoparty.events.models import Event

    with app.app_context(), app.test_request_context():
        event = db.session.scalar(select(Event).filter_by(slug="cryptoparty"))
        if keys.current_key(event.organization) is None:
            raise Skip("the demo organization has no OpenPGP key (flask demo made none)")
        keyring = get_keyring(app)
        times = []
        for _ in range(5):
            began = time.perf_counter()
            announcements.sign(event, keyring, public_url="http://127.0.0.1:5000",
                               now=utcnow(), passphrase=passphrase(app))
            times.append(time.perf_counter() - began)
    return {"signatures": len(times), "median_ms": round(statistics.median(times) * 1000, 1),
            "max_ms": round(max(times) * 1000, 1)}


def burst(app, env: dict, app_server: Server, workdir: Path, name: str, opts) -> dict:
    """Issue 19's burst: registrations from many clients to two servers, then the books.

    A second gunicorn server joins ``app_server`` on the same database; 200
    clients (a tenth of everything with --quick) send 2,000 one-seat
    registrations for one workshop, spread evenly over 60 s, half to each
    server. The workshop holds three quarters of them, so the rest must go to
    its waiting list. Then: no error, no overbooking (confirmed seats never
    above capacity, the seat counter equal to the confirmed seats), one ticket
    per answer, and the 95th percentile of the latencies.
    """
    from sqlalchemy import text, update

    from cryptoparty.core.extensions import db
    from cryptoparty.events.models import Workshop

    registrations, clients, seconds = BURST_QUICK if opts.quick else BURST
    bench = prepare_bench_event(app, "burst")
    workshop = bench["workshops"]["main"]
    capacity = registrations * 3 // 4
    with app.app_context():
        db.session.execute(update(Workshop).where(Workshop.id == workshop)
                           .values(capacity=capacity))
        db.session.commit()
    with Server(APP, env, workdir / f"{name}-app-second.log") as second:
        # Both servers warm (their workers have read the event once), as when an
        # announcement goes out: what is measured is the burst, not a cold start.
        for server in (app_server, second):
            client.load(server.url, "GET", "/api/v1/events/burst", clients=8, duration=0.5,
                        warmup=0.0, warm_requests=2, max_requests=200)
        result = client.burst([app_server.url, second.url], "/api/v1/events/burst/tickets",
                              body=registration_body(bench), headers=JSON_HEADERS, expect=201,
                              count=registrations, clients=clients, seconds=seconds)
    with app.app_context():
        row = db.session.execute(text(
            "SELECT w.capacity, w.seats_taken, (SELECT coalesce(sum(t.party), 0) "
            "FROM ticket_choices c JOIN tickets t ON t.id = c.ticket_id "
            "WHERE c.workshop_id = w.id AND c.status = 'confirmed') "
            "FROM workshops w WHERE w.id = :id"), {"id": workshop}).one()
    tickets = count_tickets(app, bench["event"])
    result.update(capacity=row[0], seats_taken=row[1], confirmed_seats=row[2],
                  overbooked=max(0, row[2] - row[0]), counter_matches=row[1] == row[2],
                  tickets=tickets, one_ticket_per_answer=tickets == result["answered"],
                  scaled=opts.quick)
    return result


# Backends -----------------------------------------------------------------------------

def bench_backend(name: str, database_url: str, workdir: Path, opts, full: bool) -> dict:
    """Registrations (and on the main backend, everything else) on one database."""
    results: dict = {"database": name}
    instance = workdir / name
    instance.mkdir()
    env = app_env(instance, database_url)
    flask(env, "init-db")
    flask(env, "demo")
    app = make_app(env)
    bench = prepare_bench_event(app)
    small = prepare_bench_event(app, "bench-small")
    large = prepare_bench_event(app, "bench-large")

    base_env = dict(env, BASELINE_DATABASE_URL=database_url,
                    BASELINE_TEMPLATE_DIR=str(workdir / f"{name}-templates"))
    with environment(base_env):
        from bench import baseline_app
        baseline_app.create_tables()

    with Server(APP, env, workdir / f"{name}-app.log") as app_server:
        write_page_template(http_get(app_server.url + EVENT_PAGE), workdir / f"{name}-templates")
        with Server(BASELINE, base_env, workdir / f"{name}-baseline.log",
                    ready_path="/page") as base_server:
            with measured(results, "registration"):
                results["registration"] = compare(
                    app_server, base_server,
                    dict(method="POST", path="/api/v1/events/bench/tickets",
                         body=registration_body(bench), headers=JSON_HEADERS, expect=201),
                    dict(method="POST", path="/rows", body=b'{"party": 1}',
                         headers=JSON_HEADERS, expect=201), opts)
            with measured(results, "registration_same_statements"):
                # Not an aim: the share of the gap that is the registration's own SQL.
                results["registration_same_statements"] = compare(
                    app_server, base_server,
                    dict(method="POST", path="/api/v1/events/bench/tickets",
                         body=registration_body(bench), headers=JSON_HEADERS, expect=201),
                    dict(method="POST", path="/events/bench/tickets",
                         body=registration_body(bench), headers=JSON_HEADERS, expect=201),
                    opts)
            if name == "postgresql":
                with measured(results, "burst"):
                    results["burst"] = burst(app, env, app_server, workdir, name, opts)
            if full:
                with measured(results, "event_page"):
                    results["event_page"] = compare(
                        app_server, base_server, dict(method="GET", path=EVENT_PAGE),
                        dict(method="GET", path="/page"), opts)
                with measured(results, "event_page_weight"):
                    results["event_page_weight"] = page_weight.measure(
                        app_server.url + EVENT_PAGE + "?lang=fr")
                with measured(results, "kit_download"):
                    pids_before = app_server.worker_pids()
                    results["kit_download"] = kit_download(app_server)
                    results["kit_download"].update(settle_after_pdf(app_server, pids_before))
            if not opts.quick:
                with measured(results, "growth"):
                    results["growth"] = growth(app, app_server, small, large, opts)
            with measured(results, "worker_memory"):
                results["worker_memory"] = memory(app_server, base_server)
    if full:
        with measured(results, "kit_render"):
            results["kit_render"] = kit_render(app)
        with measured(results, "sign_announcement"):
            results["sign_announcement"] = sign_announcement(app)
    subprocess.run(["gpgconf", "--homedir", str(instance / "gnupg"), "--kill", "all"],
                   capture_output=True, check=False)
    return results


def growth_organizations(workdir: Path, opts) -> dict:
    """Issue 19's growth figure (bench/growth.py): 1,000 organizations vs 10, SQLite."""
    from bench import growth as organizations_growth

    now = utcnow()
    result: dict = {}
    apps, servers = {}, {}
    with contextlib.ExitStack() as stack:
        for label, count in (("small", organizations_growth.SMALL),
                             ("large", organizations_growth.LARGE)):
            instance = workdir / f"growth-{label}"
            instance.mkdir()
            env = app_env(instance, f"sqlite:///{instance / 'growth.sqlite3'}")
            flask(env, "init-db")
            apps[label] = make_app(env)
            began = time.perf_counter()
            result[f"{label}_rows"] = organizations_growth.bulk_load(apps[label], count, now)
            result[f"{label}_rows"]["load_seconds"] = round(time.perf_counter() - began, 1)
            servers[label] = stack.enter_context(
                Server(APP, env, workdir / f"growth-{label}.log"))
        result["pages"] = organizations_growth.compare_pages(
            servers["small"].url, servers["large"].url, count=opts.growth_pages)
    result["purge"] = organizations_growth.compare_purge(apps["small"], apps["large"],
                                                         count=opts.growth_pages)
    ratios = {name: page["ratio"] for name, page in result["pages"].items()}
    ratios["purge"] = result["purge"]["ratio"]
    result["ratios"] = ratios
    result["ratio_max"] = max(ratios.values())
    return result


def postgres_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
        return True
    except OSError:
        return False


@contextlib.contextmanager
def postgres_database():
    """A dedicated database for this run, dropped at the end."""
    import psycopg

    name = f"cryptoparty_bench_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Issue 19's table: key, figure, where the value is in the results, comparison, aim, before.
AIM_ROWS = [
    ("event_page_ratio", "event page/s vs bare Flask page with one SELECT",
     ("sqlite", "event_page", "ratio"), ">=", 0.8, "0.08–0.43"),
    ("registration_ratio_sqlite", "registration/s vs bare Flask insert, SQLite",
     ("sqlite", "registration", "ratio"), ">=", 0.8, "0.32–0.54"),
    ("registration_ratio_postgresql", "registration/s vs bare insert, PostgreSQL",
     ("postgresql", "registration", "ratio"), ">=", 0.7, "0.46"),
    ("event_page_bytes_before_fonts", "event page weight before fonts (uncompressed, bytes)",
     ("sqlite", "event_page_weight", "bytes_before_fonts"), "<=", 25_000, "42.5 kB"),
    ("event_page_font_bytes", "fonts loaded by the event page (bytes)",
     ("sqlite", "event_page_weight", "bytes_fonts"), "<=", 40_000, "81 kB"),
    ("event_page_requests", "requests for the event page, fonts included",
     ("sqlite", "event_page_weight", "requests"), "<=", 5, "9"),
    ("worker_memory_mib", "worker memory (VmRSS after warm-up, largest worker, MiB)",
     ("sqlite", "worker_memory", "app_worker_max_mib"), "<=", 100, "121–208"),
    ("burst", "burst: 2,000 registrations for one event from 200 clients in 60 s, "
     "2 gunicorn servers on PostgreSQL", ("postgresql", "burst"), "burst", None, "not measured"),
    ("kit_render_ratio", "kit render vs bare WeasyPrint on the same HTML",
     ("sqlite", "kit_render", "ratio"), "<=", 1.1, "0.99"),
    ("growth_organizations", "growth: home page, directory filters, organization page, "
     "showcase and purge with 1,000 organizations and 10,000 events vs 10 organizations",
     ("growth_organizations", "ratio_max"), "<=", 1.2, "not measured"),
]


def burst_met(value: dict) -> bool:
    """0 errors, 0 overbooking, every registration answered, p95 within a second."""
    return (not value.get("errors") and value.get("overbooked") == 0
            and value.get("counter_matches") is True and value.get("answered") == value.get("sent")
            and value.get("p95_ms") is not None and value["p95_ms"] <= 1000)


def aims(results: dict) -> dict:
    """Every figure of issue 19's table: its value, its aim, and whether it is met."""
    def lookup(path):
        """(value, None) or (None, why it is missing)."""
        value = results
        for key in path:
            if isinstance(value, dict) and "skipped" in value:
                return None, f"skipped: {value['skipped']}"
            if isinstance(value, dict) and "error" in value:
                return None, f"error: {value['error']}"
            if not isinstance(value, dict) or key not in value:
                return None, "not measured in this run"
            value = value[key]
        return value, None

    weight = results.get("sqlite", {}).get("event_page_weight")
    if isinstance(weight, dict) and "bytes" in weight:
        weight["bytes_fonts"] = weight["bytes"].get("fonts", 0)
    rows = {}
    for key, label, path, op, aim, before in AIM_ROWS:
        value, why = lookup(path)
        row = {"figure": label, "value": value,
               "aim": f"{'≥' if op == '>=' else '≤'} {aim:,}" if aim is not None else None,
               "met": None, "before": before}
        if op == "burst":
            row["aim"] = "0 errors, 0 overbooking, p95 ≤ 1 s"
            if isinstance(value, dict) and "skipped" in value:
                value, why = None, f"skipped: {value['skipped']}"
                row["value"] = None
            if value is not None:
                row["met"] = burst_met(value)
                row["value"] = {k: value.get(k) for k in (
                    "sent", "clients", "servers", "seconds", "errors", "overbooked",
                    "counter_matches", "p95_ms", "scaled")}
        elif value is not None:
            row["met"] = bool(value >= aim if op == ">=" else value <= aim)
        if why:
            row["why"] = why
        if key == "worker_memory_mib" and value is not None:
            memory = results["sqlite"]["worker_memory"]
            row["detail"] = ("workers " + ", ".join(
                f"{kib / 1024:.0f}" for kib in sorted(memory["app_workers_kib"], reverse=True))
                + f" MiB; bare baseline {memory.get('baseline_worker_max_mib')} MiB")
        if key == "growth_organizations" and value is not None:
            row["detail"] = ", ".join(f"{name} {ratio}" for name, ratio in
                                      results["growth_organizations"]["ratios"].items())
        rows[key] = row
    return rows


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dict):
        if "p95_ms" in value:
            scale = " (tenth-size burst, --quick)" if value.get("scaled") else ""
            return (f"{value.get('sent')} from {value.get('clients')} clients to "
                    f"{value.get('servers')} servers in {value.get('seconds')} s: "
                    f"errors {sum((value.get('errors') or {}).values())}, "
                    f"overbooking {value.get('overbooked')}, p95 {value.get('p95_ms')} ms{scale}")
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def docs_table(results: dict) -> str:
    """The aims as the Markdown table of docs/performance.md."""
    about = results["about"]
    lines = [
        f"Measured by `python -m bench{' --quick' if about.get('quick') else ''}` on "
        f"{about['when']}: Python {about['python']}, {about['cpus']} CPUs, load average "
        f"{about['load_average_at_start'][0]} at start; ratios are the best of "
        f"{about['runs']} alternated run(s) of {about['seconds_per_run']} s with "
        f"{about['clients']} clients against a bare baseline in the same run.",
        "",
        "| figure | measured | aim | met | before (issue 19) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in results["aims"].values():
        met = {True: "met", False: "**missed**", None: "–"}[row["met"]]
        measured = _cell(row["value"]) if row["value"] is not None else row.get("why", "–")
        if row.get("detail"):
            measured += f" ({row['detail']})"
        lines.append(f"| {row['figure']} | {measured} | {row['aim']} | {met} | {row['before']} |")
    same = {name: results.get(name, {}).get("registration_same_statements", {}).get("ratio")
            for name in ("sqlite", "postgresql")}
    if any(same.values()):
        lines += ["", "Not an aim: registration/s vs a bare Flask app that runs the same SQL "
                  "statements as a registration and nothing else (the event and workshop read, "
                  "the ticket, the conditional seat `UPDATE`, the choice), in the same run: "
                  + ", ".join(f"{name} {ratio}" for name, ratio in same.items() if ratio)
                  + "."]
    return "\n".join(lines)


def write_docs(results: dict, path: Path) -> None:
    """Put the table between the markers of ``path`` (created if absent), nothing else."""
    block = f"{DOCS_BEGIN}\n{docs_table(results)}\n{DOCS_END}"
    if path.exists():
        text = path.read_text()
        if DOCS_BEGIN in text and DOCS_END in text:
            head, rest = text.split(DOCS_BEGIN, 1)
            text = head + block + rest.split(DOCS_END, 1)[1]
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = ("# Performance\n\n"
                "`make bench` measures the figures of issue 19 against bare baselines in the same "
                "run and writes the table below (between the `bench:begin` and `bench:end` "
                "comments: edit outside them). Its full output is JSON.\n\n" + block + "\n")
    path.write_text(text)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs, no growth figure")
    parser.add_argument("--duration", type=float, default=None, help="seconds per load run")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=2, help="alternated runs per figure")
    parser.add_argument("--growth-count", type=int, default=200)
    parser.add_argument("--growth-pages", type=int, default=40,
                        help="alternated requests per page for the growth figure")
    parser.add_argument("--growth-only", action="store_true",
                        help="measure only the growth figure (1,000 organizations vs 10)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--output", help="also write the JSON to this file")
    parser.add_argument("--docs", default=str(DOCS),
                        help="the Markdown file whose bench:begin/end table is rewritten")
    parser.add_argument("--no-docs", action="store_true", help="leave the docs alone")
    opts = parser.parse_args(argv)
    if opts.duration is None:
        opts.duration = 2.0 if opts.quick else 5.0
    if opts.quick:
        opts.repeat = 1
    return opts


def main(argv=None) -> int:
    opts = parse_args(argv)
    started = time.perf_counter()
    results: dict = {
        "about": {
            "when": utcnow().isoformat(timespec="seconds") + "Z",
            "python": platform.python_version(), "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
            "gunicorn": "gunicorn.conf.py (workers and threads from its defaults)",
            "clients": opts.clients, "seconds_per_run": opts.duration, "runs": opts.repeat,
            "quick": opts.quick,
        },
    }
    workdir = Path(tempfile.mkdtemp(prefix="cpbench"))
    if opts.growth_only:
        try:
            with measured(results, "growth_organizations"):
                results["growth_organizations"] = growth_organizations(workdir, opts)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        results["about"]["seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return 1 if errors else 0
    try:
        with measured(results, "sqlite"):
            results["sqlite"] = bench_backend(
                "sqlite", f"sqlite:///{workdir / 'bench.sqlite3'}", workdir, opts, full=True)
        if opts.quick:
            results["growth_organizations"] = {"skipped": (
                "not in --quick: it bulk-loads 1,000 organizations, 10,000 events and "
                "1,000,000 tickets (python -m bench --growth-only measures it alone)")}
        else:
            with measured(results, "growth_organizations"):
                results["growth_organizations"] = growth_organizations(workdir, opts)
        if opts.no_postgres:
            results["postgresql"] = {"skipped": "--no-postgres"}
        elif not postgres_answers():
            results["postgresql"] = {"skipped": "PostgreSQL does not answer on 127.0.0.1:5432"}
        else:
            with measured(results, "postgresql"), postgres_database() as url:
                results["postgresql"] = bench_backend("postgresql", url, workdir, opts,
                                                      full=False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results["aims"] = aims(results)
    results["about"]["seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if opts.output:
        Path(opts.output).write_text(text + "\n")
    if not opts.no_docs:
        write_docs(results, Path(opts.docs))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
