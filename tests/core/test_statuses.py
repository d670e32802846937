"""Statuses, kinds, formats and levels: StrEnums in the code, CHECK constraints in the database."""

import pytest
from sqlalchemy import CheckConstraint, update
from sqlalchemy.exc import IntegrityError

from cryptoparty.core.extensions import db
from cryptoparty.events.models import (
    Event,
    EventKind,
    EventStatus,
    Workshop,
    WorkshopFormat,
    WorkshopLevel,
)
from cryptoparty.registration import services as registration
from cryptoparty.registration.models import ChoiceStatus, Ticket, TicketChoice, TicketStatus
from cryptoparty.volunteers.models import Claim, ClaimStatus, Proposal, ProposalStatus

CODED_COLUMNS = [
    (Event, "kind", EventKind), (Event, "status", EventStatus),
    (Workshop, "format", WorkshopFormat), (Workshop, "level", WorkshopLevel),
    (Ticket, "status", TicketStatus), (TicketChoice, "status", ChoiceStatus),
    (Claim, "status", ClaimStatus),
    (Proposal, "format", WorkshopFormat), (Proposal, "level", WorkshopLevel),
    (Proposal, "status", ProposalStatus),
]


@pytest.mark.parametrize("model, column, values", CODED_COLUMNS,
                         ids=[f"{m.__tablename__}.{c}" for m, c, _v in CODED_COLUMNS])
def test_each_coded_column_has_a_check_of_its_enum(model, column, values):
    listed = ", ".join(f"'{value}'" for value in values)
    checks = {str(c.sqltext) for c in model.__table__.constraints
              if isinstance(c, CheckConstraint)}
    assert f"{column} IN ({listed})" in checks


def test_a_str_enum_member_is_its_stored_string():
    assert EventStatus.PUBLISHED == "published"
    assert f"{ChoiceStatus.WAITLISTED}" == "waitlisted"
    assert ClaimStatus.CONFIRMED == ChoiceStatus.CONFIRMED  # same word, two meanings


@pytest.mark.parametrize("model, column, value", [
    (Event, "status", "postponed"), (Event, "kind", "hackathon"),
    (Workshop, "format", "party"), (Workshop, "level", "expert"),
    (Ticket, "status", "confirmed"), (TicketChoice, "status", "active"),
])
def test_the_database_refuses_a_value_outside_the_enum(make_event, now, model, column, value):
    event = make_event()
    registration.register(event, [event.workshops[0].id], 1, now=now)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(update(model).values({column: value}))
    db.session.rollback()
