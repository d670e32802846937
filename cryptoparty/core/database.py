"""Database plumbing shared by every service: SQLite tuning and transactions.

SQLite runs in WAL mode so that readers never wait for the writer. A write
transaction on SQLite starts with ``BEGIN IMMEDIATE``: it takes the write lock
before its first read, so two writers queue on ``busy_timeout`` instead of one
failing with "database is locked" when it upgrades a stale read snapshot.
``atomic()`` opens one at its start; outside it, SQLite reads run one statement
at a time (autocommit, each sees what is committed when it starts: PostgreSQL's
READ COMMITTED, which the application already lives with there), and the first
statement that is not a ``SELECT`` opens a ``BEGIN IMMEDIATE`` transaction, so
a write is never split into autocommitted pieces. A read-only request thus
takes no transaction and the write lock is held for the writes only (issue 19:
registrations of one event queue on that lock).
PostgreSQL needs none of this: its row locks serialise the conditional
updates the services rely on.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum

from sqlalchemy import event
from sqlalchemy.engine import Engine

from cryptoparty.core.extensions import db

_write_lock_wanted: ContextVar[bool] = ContextVar("write_lock_wanted", default=False)


def one_of(column: str, values: type[StrEnum], *, name: str):
    """A named CHECK constraint that keeps ``column`` to the values of a ``StrEnum``."""
    listed = ", ".join(f"'{value}'" for value in values)
    return db.CheckConstraint(f"{column} IN ({listed})", name=name)


def init_app(app):
    """Install the SQLite connection hooks on the app's engine."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _tune_sqlite(engine, int(app.config.get("SQLITE_BUSY_TIMEOUT_MS", 30000)))


def _tune_sqlite(engine: Engine, busy_timeout_ms: int = 30000):
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        if _write_lock_wanted.get():
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def before_write(connection, _cursor, statement, *_args):
        driver = connection.connection.driver_connection
        if not driver.in_transaction and not _is_read(statement):
            driver.execute("BEGIN IMMEDIATE")


def _is_read(statement: str) -> bool:
    """A statement that writes nothing: a plain ``SELECT`` (a ``WITH`` may write)."""
    return statement.lstrip()[:6].upper() in ("SELECT", "BEGIN ")


def in_transaction() -> bool:
    """Whether the caller runs inside an ``atomic()`` block (its writes join that one)."""
    return _write_lock_wanted.get()


@contextmanager
def atomic():
    """Run the block as one write transaction: committed at the end, rolled back on error.

    Services wrap every write in this, so a domain error raised half-way
    leaves nothing behind. Inside another ``atomic()`` block it joins that
    transaction through a savepoint (an error undoes this block only, and the
    outer block commits everything at its end), so that a service such as the
    purge can call other services and still write in one transaction.
    """
    session = db.session
    if _write_lock_wanted.get():
        with session.begin_nested():
            yield session
        return
    # End any read transaction the view opened, so the write starts fresh.
    session.commit()
    token = _write_lock_wanted.set(True)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _write_lock_wanted.reset(token)
