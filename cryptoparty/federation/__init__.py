"""ActivityPub federation: each organization as an actor (issue 18).

WebFinger, host-meta and NodeInfo; the actor, its outbox of ``Event``s (as
Mobilizon and Gancio publish them) and a followers collection that shows a
count only; an inbox that verifies HTTP Signatures (draft-cavage, rsa-sha256)
and stores, per follow, only the server's inbox and a keyed hash of the
follower's actor id; a delivery queue in the database and its worker.

The area sits above events and announcements (it publishes their events and
links their signed texts) and below privacy, whose inventory declares its tables.
"""


def init_app(app):
    """Register the blueprint and the ``flask federation`` commands."""
    from cryptoparty.events.services import event_changed
    from cryptoparty.federation import cli, views

    event_changed.connect(_on_event_changed, weak=False)
    views.init_app(app)
    app.cli.add_command(cli.federation)


def _on_event_changed(event, *, action, now, previous_status):
    from cryptoparty.federation.services import event_changed

    event_changed(event, action, now=now, previous_status=previous_status)
