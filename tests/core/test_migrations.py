"""The Alembic migrations build, from an empty database, exactly the models' schema."""

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from cryptoparty import create_app
from cryptoparty.core.extensions import db
from tests.conftest import TEST_DATABASE_URL, make_test_config


def migrated_app(url, tmp_path, gnupg_home, **engine_options):
    config = make_test_config("sqlite", tmp_path, gnupg_home)
    config["SQLALCHEMY_DATABASE_URI"] = url
    if engine_options:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    return create_app(config)


def schema_differences(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


# Partial indexes, whose WHERE alembic's comparison does not look at: name -> (table, predicate).
PARTIAL_INDEXES = {
    "ix_events_unpurged_ends": ("events", "purged_at is null"),
    "ix_tickets_checked_in_minute": ("tickets", "checked_in_at is not null"),
}


def assert_partial_indexes(engine):
    """The migrated database has the purge's partial indexes, with their predicates."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            found = dict(conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all())
        else:
            found = dict(conn.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema()")).all())
    for name, (table, predicate) in PARTIAL_INDEXES.items():
        definition = " ".join((found.get(name) or "").lower().replace("(", " ")
                              .replace(")", " ").split())
        assert re.search(rf"\bon (\w+\.)?{table}\b", definition.replace('"', "")), \
            (name, found.get(name))
        assert f"where {predicate}" in definition, (name, found.get(name))
    assert "purged_at" in {c["name"] for c in inspect(engine).get_columns("events")}


def test_migrations_from_empty_sqlite_match_the_models(tmp_path, gnupg_home):
    app = migrated_app(f"sqlite:///{tmp_path / 'm.sqlite3'}", tmp_path, gnupg_home)
    with app.app_context():
        upgrade()
        assert schema_differences(app) == []
        tables = set(inspect(db.engine).get_table_names())
        assert {"events", "workshops", "tickets"} <= tables
        assert_partial_indexes(db.engine)
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}


@pytest.mark.postgres
@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL not configured: set "
                    "TEST_DATABASE_URL (.ci/run does when 127.0.0.1:5432 answers)")
def test_migrations_from_empty_postgresql_match_the_models(tmp_path, gnupg_home):
    from cryptoparty import normalize_database_url

    # A schema of its own, so that the suite's tables in "public" are left alone.
    url = normalize_database_url(TEST_DATABASE_URL)
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migration_test CASCADE"))
        conn.execute(text("CREATE SCHEMA migration_test"))
    try:
        app = migrated_app(url, tmp_path, gnupg_home,
                           connect_args={"options": "-csearch_path=migration_test"})
        with app.app_context():
            upgrade()
            assert schema_differences(app) == []
            assert_partial_indexes(db.engine)
            db.engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS migration_test CASCADE"))
        admin.dispose()


def test_sqlite_runs_in_wal_mode(app, backend):
    if backend != "sqlite":
        pytest.skip("WAL is SQLite's")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
