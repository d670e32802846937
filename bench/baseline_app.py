"""The baselines: a bare Flask + Flask-SQLAlchemy app, served by the same gunicorn.

``POST /rows`` inserts one row and answers 201 JSON: the floor of what a
registration costs on this stack. ``GET /page`` runs one SELECT (the event's
title, from the application's own ``events`` table in the same database) and
renders it into a template of the same size as the event page (the event
page's own HTML, written by the benchmark into ``BASELINE_TEMPLATE_DIR``): the
floor of what a page read from the database costs (issue 19).
``POST /events/<slug>/tickets`` runs, with plain SQL in one transaction, the
statements a registration cannot do without (the event and the workshop
read, the ticket inserted, the seat taken by the conditional ``UPDATE`` of
the capacity invariant, the choice inserted), and nothing else: no code, no
checks, no idempotency. It is not an aim of issue 19; it tells how much of the
gap to the one-insert baseline is the registration's own SQL. On SQLite the
connection gets the same pragmas as the application (WAL, synchronous=NORMAL,
busy timeout), so that the ratio measures the application's own work and not
a journal mode.

Configured by environment: ``BASELINE_DATABASE_URL``, ``BASELINE_TEMPLATE_DIR``.
Run as ``gunicorn --config gunicorn.conf.py 'bench.baseline_app:create_app()'``.
"""

import os
import secrets
from datetime import date

from flask import Flask, jsonify, render_template, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event, text

db = SQLAlchemy()


class Row(db.Model):
    __tablename__ = "bench_rows"

    id = db.Column(db.Integer, primary_key=True)
    token = db.Column(db.String(64), unique=True, nullable=False)
    party = db.Column(db.Integer, nullable=False)
    created_on = db.Column(db.Date, nullable=False)


def _database_url() -> str:
    url = os.environ["BASELINE_DATABASE_URL"]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def create_app():
    """The bare app."""
    app = Flask(__name__, template_folder=os.environ.get("BASELINE_TEMPLATE_DIR", "."))
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url()
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            @event.listens_for(db.engine, "connect")
            def _pragmas(connection, _record):
                cursor = connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA busy_timeout=30000")
                cursor.close()

    @app.post("/rows")
    def insert():
        payload = request.get_json()
        row = Row(token=secrets.token_hex(32), party=int(payload.get("party", 1)),
                  created_on=date.today())
        db.session.add(row)
        db.session.commit()
        return jsonify({"id": row.id, "status": "confirmed"}), 201

    @app.post("/events/<slug>/tickets")
    def register(slug):
        payload = request.get_json()
        workshop_id, party = int(payload["workshops"][0]), int(payload.get("party", 1))
        event_id = db.session.execute(_EVENT_ID, {"slug": slug}).scalar()
        session_id = db.session.execute(_SESSION_OF, {"id": workshop_id,
                                                      "event_id": event_id}).scalar()
        ticket_id = db.session.execute(_INSERT_TICKET, {
            "event_id": event_id, "code_hash": secrets.token_hex(32), "party": party,
            "created_on": date.today()}).scalar()
        taken = db.session.execute(_TAKE_SEAT, {"id": workshop_id, "party": party}).rowcount
        status = "confirmed" if taken == 1 else "waitlisted"
        db.session.execute(_INSERT_CHOICE, {"ticket_id": ticket_id, "session_id": session_id,
                                            "workshop_id": workshop_id, "status": status})
        db.session.commit()
        return jsonify({"status": status}), 201

    @app.get("/page")
    def page():
        title = db.session.execute(text("SELECT title FROM events WHERE slug = :slug"),
                                   {"slug": request.args.get("slug", "cryptoparty")}).scalar()
        return render_template("page.html", title=title)

    return app


_EVENT_ID = text("SELECT id FROM events WHERE slug = :slug AND status = 'published'")
_SESSION_OF = text("SELECT session_id FROM workshops WHERE id = :id AND event_id = :event_id")
_INSERT_TICKET = text(
    "INSERT INTO tickets (event_id, code_hash, party, status, created_on, checked_in) "
    "VALUES (:event_id, :code_hash, :party, 'active', :created_on, false) RETURNING id")
_TAKE_SEAT = text("UPDATE workshops SET seats_taken = seats_taken + :party "
                  "WHERE id = :id AND seats_taken + :party <= capacity")
_INSERT_CHOICE = text(
    "INSERT INTO ticket_choices (ticket_id, session_id, workshop_id, status) "
    "VALUES (:ticket_id, :session_id, :workshop_id, :status)")


def create_tables():
    """Create the table (the benchmark calls this once, before starting gunicorn)."""
    app = create_app()
    with app.app_context():
        db.create_all()
