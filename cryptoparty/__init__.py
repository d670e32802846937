"""cryptoparty: organize CryptoParties where attendees give no personal data."""

import json
import os
import secrets
from pathlib import Path

from flask import Flask

from cryptoparty.core import resources


class Cryptoparty(Flask):
    """Flask, with the error log of a 500 that names the route and the error, never a value."""

    def log_exception(self, exc_info):
        from cryptoparty.core.errors import log_unexpected_error
        log_unexpected_error(self.logger, exc_info)


def configured_app(test_config=None) -> Flask:
    """The application with its configuration read, and nothing else set up yet.

    ``gunicorn.conf.py`` uses it to read the deployment's configuration (defaults,
    ``instance/config.py``, environment) exactly as the workers will.
    """
    app = Cryptoparty(
        __name__,
        # CRYPTOPARTY_INSTANCE_PATH: another instance folder (tests, several deployments).
        # Installed from a wheel, the default is Flask's: <prefix>/var/cryptoparty-instance.
        instance_path=os.environ.get("CRYPTOPARTY_INSTANCE_PATH")
        or (str(resources.INSTANCE) if resources.INSTANCE else None),
        instance_relative_config=True,
        template_folder=str(resources.TEMPLATES),
        static_folder=str(resources.STATIC),
    )
    _configure(app, test_config)
    return app


def rate_limits_shared(config) -> bool:
    """Whether every worker process sees the same rate-limit counters.

    Flask-Limiter's ``memory://`` storage lives in each process: with several
    gunicorn workers, a client would get each limit once per worker.
    """
    return (not config.get("RATELIMIT_ENABLED", True)
            or not str(config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory:"))


def create_app(test_config=None):
    """Build the application: configuration, extensions, blueprints and commands."""
    app = configured_app(test_config)

    from cryptoparty.accounts.services import configure_password_hashing
    from cryptoparty.core import (
        database,
        errors,
        i18n,
        input_guards,
        log_masking,
        security,
        templating,
    )
    from cryptoparty.core.extensions import csrf, db, limiter, login_manager

    db.init_app(app)
    database.init_app(app)
    if app.config.get("MIGRATIONS_CLI", True):
        # Flask-Migrate (``flask db``) brings Alembic, about 11 MiB a process: the web
        # workers, which never migrate, go without it (gunicorn.conf.py; issue 19).
        from flask_migrate import Migrate
        Migrate(app, db, directory=str(resources.MIGRATIONS), render_as_batch=True,
                compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    input_guards.init_app(app)
    log_masking.install(app)
    import_models()
    configure_password_hashing(app.config.get("ARGON2_PARAMETERS"))
    templating.init_app(app)
    from cryptoparty.events import page_cache
    page_cache.install(app)
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    errors.init_app(app)

    from cryptoparty import cli
    cli.init_app(app)
    from cryptoparty import federation
    federation.init_app(app)
    return app


AREAS = ("accounts", "events", "registration", "volunteers", "announcements", "kits",
         "feedback", "figures", "feeds", "privacy")


def import_models() -> None:
    """Import every area's models, which registers their tables on ``db.metadata``."""
    import importlib

    importlib.import_module("cryptoparty.core.idempotency")
    for area in AREAS:
        try:
            importlib.import_module(f"cryptoparty.{area}.models")
        except ModuleNotFoundError as error:
            if error.name != f"cryptoparty.{area}.models":
                raise


def blueprints() -> list:
    """Every area's blueprints, in registration order."""
    from cryptoparty.accounts import views as accounts
    from cryptoparty.accounts import views_account, views_staff
    from cryptoparty.announcements import views as announcements
    from cryptoparty.events import views as events
    from cryptoparty.events import views_manage
    from cryptoparty.feedback import views as feedback
    from cryptoparty.feeds import views as feeds
    from cryptoparty.figures import views as figures
    from cryptoparty.kits import views as kits
    from cryptoparty.kits import views_catalogue
    from cryptoparty.privacy import views as privacy
    from cryptoparty.registration import api, api_docs
    from cryptoparty.registration import views as registration
    from cryptoparty.volunteers import views as volunteers

    return [
        events.bp, accounts.bp, views_manage.bp, api.bp, registration.bp,
        volunteers.bp, volunteers.manage_bp, feedback.bp, feeds.bp, figures.bp,
        views_account.bp, api_docs.bp, privacy.bp, privacy.page_bp, announcements.bp,
        announcements.manage_bp, views_catalogue.bp, kits.bp, kits.volunteer_bp,
        views_staff.bp,
    ]


def _configure(app, test_config):
    app.config.from_object("cryptoparty.core.config")
    os.makedirs(app.instance_path, exist_ok=True)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("CRYPTOPARTY", loads=_loads)
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
        if os.environ.get("REDIS_URL"):
            app.config["RATELIMIT_STORAGE_URI"] = os.environ["REDIS_URL"]
    else:
        app.config.update(test_config)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        path = Path(app.instance_path) / "cryptoparty.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    # Whatever instance/config.py or a test sets, a database error never shows its values.
    options = {**(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}), "hide_parameters": True}
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A file has no server that could drop the connection: no ping per checkout.
        options.pop("pool_pre_ping", None)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.config.setdefault("GNUPG_HOME", str(Path(app.instance_path) / "gnupg"))


def _loads(value):
    try:
        return json.loads(value)
    except ValueError:
        return value


def normalize_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and pick the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance_path: str) -> str:
    """Read the instance's secret key, creating it (mode 0600) on first use."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        tmp = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            # link() fails if another worker won the race; keep theirs.
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()
