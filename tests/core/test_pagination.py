"""Pages of growing lists (core/pagination.py): the page number asked for, and a page's bounds."""

import pytest

from cryptoparty.core import pagination


@pytest.mark.parametrize("value, number", [
    (None, 1), ("", 1), ("1", 1), ("2", 2), ("37", 37), ("0", 1), ("-3", 1), ("2.5", 1),
    ("abc", 1), ("１２", 1), ("9999999", 1), (str(pagination.MAX_PAGE), pagination.MAX_PAGE),
    (str(pagination.MAX_PAGE + 1), 1),
])
def test_page_number_is_a_whole_number_from_one(value, number):
    assert pagination.page_number(value) == number


def test_a_page_read_with_one_row_more_knows_whether_a_next_one_exists():
    page = pagination.page_of([1, 2, 3], 2, per_page=2)
    assert page.items == [1, 2] and page.has_next and page.has_previous and page.offset == 2
    last = pagination.page_of([5], 3, per_page=2)
    assert last.items == [5] and not last.has_next and last.has_previous
    first = pagination.page_of([], 1, per_page=2)
    assert not first and not first.has_next and not first.has_previous
