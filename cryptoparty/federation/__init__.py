"""ActivityPub federation: each organization as an actor (issue 18).

WebFinger, host-meta and NodeInfo; the actor, its outbox of ``Event``s (as
Mobilizon and Gancio publish them) and a followers collection that shows a
count only; an inbox that verifies HTTP Signatures (draft-cavage, rsa-sha256)
and stores, per follow, only the server's inbox and a keyed hash of the
follower's actor id; a delivery queue in the database and its worker.

The imports of the rest of the application are kept in ``compat.py`` (and the
``db`` import in ``models.py``) so that the reshape into areas moves them in
one place.
"""


def init_app(app):
    """Register the blueprint and the ``flask federation`` commands."""
    from cryptoparty.federation import cli, views

    views.init_app(app)
    app.cli.add_command(cli.federation)
