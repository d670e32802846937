"""Blueprints: parse the input, call one service, flash or render."""

from datetime import datetime, timezone

from flask import current_app


def utcnow() -> datetime:
    """Naive UTC now: the clock views hand to services.

    ``FIXED_NOW`` in the configuration freezes it (tests, demos of a past day).
    """
    fixed = current_app.config.get("FIXED_NOW")
    if fixed is not None:
        return fixed
    return datetime.now(timezone.utc).replace(tzinfo=None)


def register_blueprints(app):
    """Register every blueprint and the error pages."""
    from cryptoparty.views import api, auth, errors, manage, public

    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(manage.bp)
    app.register_blueprint(api.bp)
    from cryptoparty.views import tickets
    app.register_blueprint(tickets.bp)
    from cryptoparty.views import volunteers
    app.register_blueprint(volunteers.bp)
    app.register_blueprint(volunteers.manage_bp)
    from cryptoparty.views import feedback, feeds, figures
    app.register_blueprint(feedback.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(figures.bp)
    from cryptoparty.views import account, api_docs, records
    app.register_blueprint(account.bp)
    app.register_blueprint(api_docs.bp)
    app.register_blueprint(records.bp)
    from cryptoparty.views import openpgp
    app.register_blueprint(openpgp.bp)
    app.register_blueprint(openpgp.manage_bp)
    from cryptoparty.views import catalogue, kits
    app.register_blueprint(catalogue.bp)
    app.register_blueprint(kits.bp)
    errors.init_app(app)
