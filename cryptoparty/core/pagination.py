"""Pages of a list that grows (issue 19: home page, an organization's past events, showcase).

A page is read with ``LIMIT per_page + 1``: the extra row only says whether a
next page exists, so no page ever counts the whole list. Links to the previous
and next pages are plain links (``?page=N``), which work without JavaScript
(``templates/_macros.html``: ``pager``).
"""

from dataclasses import dataclass

from cryptoparty.core.extensions import db

PER_PAGE = 20
#: Beyond this a page number is not a page anyone reached by following links.
MAX_PAGE = 10_000


@dataclass
class Page:
    """One page of a list: its items, its number (from 1), and whether a next one exists."""

    items: list
    number: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def page_number(value) -> int:
    """The page asked for in a query string: a whole number from 1, else page 1."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 6:
        number = int(value)
        if 1 <= number <= MAX_PAGE:
            return number
    return 1


def page_of(items: list, number: int, per_page: int = PER_PAGE) -> Page:
    """A page out of ``items`` read with ``limit(per_page + 1)`` at ``offset``."""
    return Page(items=list(items[:per_page]), number=number, per_page=per_page,
                has_next=len(items) > per_page)


def paginate(query, number: int, per_page: int = PER_PAGE) -> Page:
    """Page ``number`` of an ORM ``select`` (already ordered)."""
    offset = (number - 1) * per_page
    items = list(db.session.scalars(query.limit(per_page + 1).offset(offset)).unique())
    return page_of(items, number, per_page)
