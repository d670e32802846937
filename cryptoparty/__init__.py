"""cryptoparty: organize CryptoParties where attendees give no personal data."""

import json
import os
import secrets
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None):
    """Build the application: configuration, extensions, blueprints and commands."""
    app = Flask(
        __name__,
        # CRYPTOPARTY_INSTANCE_PATH: another instance folder (tests, several deployments).
        instance_path=os.environ.get("CRYPTOPARTY_INSTANCE_PATH") or str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    _configure(app, test_config)

    from cryptoparty import database, i18n, security
    from cryptoparty import logging as log_masking
    from cryptoparty.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    log_masking.install(app)

    import cryptoparty.models  # noqa: F401  (registers the tables)
    from cryptoparty import cli, templating
    from cryptoparty.views import register_blueprints

    from cryptoparty.services.organizers import configure_password_hashing

    configure_password_hashing(app.config.get("ARGON2_PARAMETERS"))
    templating.init_app(app)
    register_blueprints(app)
    cli.init_app(app)
    from cryptoparty import federation
    federation.init_app(app)
    return app


def _configure(app, test_config):
    app.config.from_object("cryptoparty.config")
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
