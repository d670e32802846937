"""The baselines: a bare Flask + Flask-SQLAlchemy app, served by the same gunicorn.

``POST /rows`` inserts one row and answers 201 JSON: the floor of what a
registration costs on this stack. ``GET /page`` runs one SELECT (the event's
title, from the application's own ``events`` table in the same database) and
renders it into a template of the same size as the event page (the event
page's own HTML, written by the benchmark into ``BASELINE_TEMPLATE_DIR``): the
floor of what a page read from the database costs (issue 19). On SQLite the
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

    @app.get("/page")
    def page():
        title = db.session.execute(text("SELECT title FROM events WHERE slug = :slug"),
                                   {"slug": request.args.get("slug", "cryptoparty")}).scalar()
        return render_template("page.html", title=title)

    return app


def create_tables():
    """Create the table (the benchmark calls this once, before starting gunicorn)."""
    app = create_app()
    with app.app_context():
        db.create_all()
