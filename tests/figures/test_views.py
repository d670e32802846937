"""The back-office figures page, its CSV, its charts and the report PDF, after the purge."""

import csv
import io
from datetime import timedelta

import pypdf
from sqlalchemy import delete

from cryptoparty.core.extensions import db
from cryptoparty.feedback import services as fb
from cryptoparty.figures import services as figures
from cryptoparty.registration.models import Ticket
from tests.figures.test_services import populate


def purged_event(organizer_client, make_event, now):
    """An event that took place, with feedback, whose tickets are purged."""
    event = make_event(organizer_client.organization, starts_in=timedelta(days=-10))
    populate(event)
    quote = fb.give_feedback(event, now=now, rating=5, comment="Enfin compris Tor !")
    fb.set_quoted(quote, True)
    fb.give_feedback(event, now=now, rating=3)
    figures.snapshot_figures(event, now)
    db.session.execute(delete(Ticket).where(Ticket.event_id == event.id))
    db.session.commit()
    return event


def test_figures_page_after_the_purge(organizer_client, make_event, now):
    purged_event(organizer_client, make_event, now)
    response = organizer_client.get("/manage/events/cryptoparty/figures?lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Tickets deleted on" in page
    assert "<strong>12</strong> people registered" in page
    assert "<strong>9</strong> people came" in page
    assert "Enfin compris Tor !" in page
    assert "<script" not in page


def test_charts_are_static_svg(organizer_client, make_event, now):
    purged_event(organizer_client, make_event, now)
    for name in ("attendance", "fill", "ratings", "history"):
        response = organizer_client.get(f"/manage/events/cryptoparty/charts/{name}.svg")
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        svg = response.get_data(as_text=True)
        assert "<svg" in svg and "<script" not in svg and "http://kozea" not in svg


def test_csv_export_after_the_purge(organizer_client, make_event, now):
    purged_event(organizer_client, make_event, now)
    response = organizer_client.get("/manage/events/cryptoparty/figures.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert (rows[0]["registered"], rows[0]["attendance"], rows[0]["no_shows"]) == \
        ("12", "9", "7")
    assert rows[0]["average_rating"] == "4.00"


def test_report_pdf_after_the_purge(organizer_client, make_event, now):
    purged_event(organizer_client, make_event, now)
    response = organizer_client.get("/manage/events/cryptoparty/report.pdf?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "12 people registered with 8 tickets" in text
    assert "9 people came" in text
    assert "Enfin compris Tor !" in text
    fonts = {str(f) for page in reader.pages
             for f in page["/Resources"].get("/Font", {}).values()
             for f in [f.get_object()["/BaseFont"]]}
    assert any("Atkinson" in f for f in fonts)


def test_figures_need_an_organizer_of_the_event(client, make_event):
    make_event()
    response = client.get("/manage/events/cryptoparty/figures")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
