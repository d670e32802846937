"""Client addresses never reach a log line, whoever writes it."""

import logging

import pytest

from cryptoparty.core.log_masking import ADDRESS_MASK, mask_addresses


@pytest.mark.parametrize("line, address", [
    ('10.0.0.7 - - [22/Nov/2026 00:49:06] "GET / HTTP/1.1" 200 -', "10.0.0.7"),
    ("Invalid request from ip=2001:db8::1: Invalid HTTP method", "2001:db8::1"),
    ("peer fe80::1 went away", "fe80::1"),
    ("from 2001:0db8:85a3:0000:0000:8a2e:0370:7334.", "2001:0db8:85a3:0000:0000:8a2e:0370:7334"),
    ("client 203.0.113.9:51234 closed", "203.0.113.9"),
])
def test_addresses_are_masked(line, address):
    masked = mask_addresses(line)
    assert address not in masked and ADDRESS_MASK in masked


@pytest.mark.parametrize("line", [
    "[22/Nov/2026 00:49:06] took 12:30:45", "weasyprint 62.3.1", "2026-11-22T00:49:06Z",
    "GET /events/cryptoparty/ 200", "Running on http://127.0.0.1:5000", "from ::1",
])
def test_times_and_versions_are_left_alone(line):
    assert mask_addresses(line) == line


def test_werkzeug_request_lines_and_app_logs_are_masked(app, caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("werkzeug").info('%s - - [%s] "%s" %s -', "192.0.2.44",
                                       "22/Nov/2026", "GET /tickets/7KQ2-M9XD-4TRB-HW0E", 200)
    app.logger.warning("odd request from %s on %s", "2001:db8::77", "/volunteers/secret-token")
    text = caplog.text
    assert "192.0.2.44" not in text and "2001:db8::77" not in text
    assert "7KQ2" not in text and "secret-token" not in text
    assert text.count(ADDRESS_MASK) == 2
