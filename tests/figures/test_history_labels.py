"""The comparison chart names each event distinctly."""

from datetime import datetime

from cryptoparty.figures.report import history_chart, history_labels
from cryptoparty.figures.services import HistoryRow


def row(day, title="CryptoParty", month=12):
    return HistoryRow(slug=f"e{day}", title=title, kind="cryptoparty",
                      starts_at=datetime(2026, month, day, 19), timezone="Europe/Paris",
                      registered=10 * day, attendance=8 * day, average_rating=None)


def fmt(r, day):
    return r.starts_at.strftime("%-d %b %Y" if day else "%b %Y")


def test_months_stay_short_when_distinct():
    assert history_labels([row(3, month=3), row(3)], fmt) == ["Mar 2026", "Dec 2026"]


def test_same_month_adds_the_day_and_same_day_the_title():
    rows = [row(3, month=3), row(2), row(9), row(9, title="Café vie privée")]
    labels = history_labels(rows, fmt)
    assert labels == ["Mar 2026", "2 Dec 2026", "9 Dec 2026 · CryptoParty",
                      "9 Dec 2026 · Café vie privée"]
    assert len(set(labels)) == len(labels)


def test_chart_draws_the_distinct_labels(app):
    with app.test_request_context():
        svg = history_chart([row(2), row(9), row(16)], fmt)
    for label in ("2 Dec 2026", "9 Dec 2026", "16 Dec 2026"):
        assert label in svg
