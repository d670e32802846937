"""Nothing identifying on an error path: a 500 logs the route and the error's class, no value.

Each test provokes a server error whose exception message carries a distinctive
string (a database error quoting the value that broke a constraint, a template
failing on what it was given, gpg naming a key's user ID) and then looks for
that string in every log record, at every level, and in every file of the
instance folder.
"""

import logging
from pathlib import Path

import pytest
from flask import render_template_string
from sqlalchemy import text

from cryptoparty.core.extensions import db
from cryptoparty.gpg.keyring import SigningFailed

SECRET = "Zorglub-Xq7Vw"  # what a person typed; must be written nowhere


@pytest.fixture(autouse=True)
def own_instance(tmp_path, monkeypatch):
    """Each test app gets its own instance folder, so that its files can be searched."""
    instance = tmp_path / "instance"
    monkeypatch.setenv("CRYPTOPARTY_INSTANCE_PATH", str(instance))
    return instance


@pytest.fixture
def app_config():
    # Errors become 500 pages, as in production, instead of being raised into the test.
    return {"PROPAGATE_EXCEPTIONS": False}


def assert_written_nowhere(caplog, instance: Path, *needles: str):
    for record in caplog.records:
        formatted = logging.Formatter().format(record)
        for needle in needles:
            assert needle not in formatted, (record.name, formatted)
    for path in instance.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for needle in needles:
                assert needle.encode() not in content, path


def error_records(caplog):
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_database_error_logs_the_route_and_the_class_without_values(app, client, caplog,
                                                                       own_instance):
    from cryptoparty.accounts.models import Organization

    def clash():
        for name in ("first", "second"):
            db.session.add(Organization(slug=f"{SECRET}-slug", name=f"{SECRET} {name}"))
            db.session.flush()
        return "unreachable"

    app.add_url_rule("/test/clash", "clash", clash)
    caplog.set_level(logging.DEBUG)  # SQLAlchemy's own statement log included
    response = client.get("/test/clash")
    assert response.status_code == 500
    assert SECRET not in response.get_data(as_text=True)
    [record] = error_records(caplog)
    line = logging.Formatter().format(record)
    assert "clash" in line and "IntegrityError" in line
    assert "test_error_paths.py" in line  # the frames are kept
    assert_written_nowhere(caplog, own_instance, SECRET)


def test_a_statement_error_keeps_its_parameters_hidden(app, caplog):
    from sqlalchemy.exc import StatementError

    with pytest.raises(StatementError) as raised:
        db.session.execute(text("INSERT INTO organizations (slug) VALUES (:slug)"),
                           {"slug": SECRET})
    db.session.rollback()
    caplog.set_level(logging.DEBUG)
    app.logger.error("database error", exc_info=raised.value)
    assert SECRET not in caplog.text and "IntegrityError" in caplog.text
    message = str(raised.value)
    # SQLAlchemy leaves the parameters out; PostgreSQL's own DETAIL ("Failing row
    # contains (...)") may still quote them, which is why the log drops messages.
    assert "[SQL parameters hidden due to hide_parameters=True]" in message
    assert "[parameters:" not in message


def test_a_rendering_error_logs_no_value(app, client, caplog, own_instance):
    def render():
        # int() quotes the text it could not read: "invalid literal ... 'Zorglub...'".
        return render_template_string("{{ parse(value) }}", parse=int, value=SECRET)

    app.add_url_rule("/test/render", "render", render)
    caplog.set_level(logging.DEBUG)
    response = client.get("/test/render")
    assert response.status_code == 500
    [record] = error_records(caplog)
    line = logging.Formatter().format(record)
    assert "render" in line and "ValueError" in line
    assert_written_nowhere(caplog, own_instance, SECRET)


def test_a_gpg_failure_logs_no_user_id(app, client, caplog, own_instance):
    def encrypt():
        raise SigningFailed(detail=f'gpg: "{SECRET} <{SECRET}@example.org>": bad passphrase')

    app.add_url_rule("/test/gpg", "gpg", encrypt)
    caplog.set_level(logging.DEBUG)
    assert client.get("/test/gpg").status_code == 500
    [record] = error_records(caplog)
    assert "SigningFailed" in logging.Formatter().format(record)
    assert_written_nowhere(caplog, own_instance, SECRET)


def test_an_error_in_a_capability_url_logs_neither_path_nor_code(app, client, caplog,
                                                                 own_instance):
    def boom(code):
        raise RuntimeError(f"no ticket {code}")

    app.add_url_rule("/test/tickets/<code>", "ticket_boom", boom)
    caplog.set_level(logging.DEBUG)
    assert client.get(f"/test/tickets/{SECRET}").status_code == 500
    [record] = error_records(caplog)
    assert "ticket_boom" in logging.Formatter().format(record)
    assert_written_nowhere(caplog, own_instance, SECRET)


def test_a_nul_in_a_volunteer_sign_up_writes_no_value_to_the_logs(
        app, client, caplog, own_instance, volunteer_event, volunteer_key):
    """The issue's case: on PostgreSQL a NUL made the INSERT fail with every parameter."""
    armored, _fingerprint, _keyring = volunteer_key
    caplog.set_level(logging.DEBUG)
    response = client.post_form(f"/events/{volunteer_event.slug}/volunteer", {
        "pseudonym": f"nul\x00{SECRET}", "public_key": armored, "other_skills": SECRET})
    assert response.status_code in (302, 400, 500)
    assert_written_nowhere(caplog, own_instance, SECRET, "volunteer@example.net")


def test_any_record_with_an_exception_loses_the_message_but_keeps_the_frames(app, caplog):
    caplog.set_level(logging.DEBUG)
    try:
        raise KeyError(SECRET)
    except KeyError:
        app.logger.exception("while reading")
        logging.getLogger("gunicorn.error").exception("Error handling request")
    assert len(caplog.records) == 2
    for record in caplog.records:
        formatted = logging.Formatter().format(record)
        assert SECRET not in formatted
        assert "KeyError" in formatted and "test_error_paths.py" in formatted
