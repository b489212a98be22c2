"""Tables of what the weekly grid's forms post and the changes they ask for: the one cell-key
format, the older format of pages drawn before it, htmx's single toggle, the whole week, and the
posts no page of ours sends (refused, so that the view answers 404). No database."""

from datetime import date

import pytest
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from ribambelle.bookings.grid_post import CellKey, GridPost, GridPostError, parse, parse_monday
from ribambelle.bookings.rules import Change

MONDAY = date(2026, 11, 23)
THU = date(2026, 11, 26)
FRI = date(2026, 11, 27)
CHILD = 7
THU_KEY = "7:3:2026-11-26"
FRI_KEY = "7:3:2026-11-27"


def post(**fields) -> QueryDict:
    """A QueryDict as the browser sends it: list values are repeated fields."""
    data = QueryDict(mutable=True)
    data.update(MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in fields.items()}))
    return data


BASE = {"child": "7", "semaine": "2026-11-23"}


def test_cell_key_round_trip():
    key = CellKey(7, 3, THU)
    assert str(key) == THU_KEY
    assert CellKey.parse(THU_KEY, child_id=99) == key


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({}, [], id="nothing-shown"),
        pytest.param({"shown": [THU_KEY], "cell": [THU_KEY]}, [Change(CHILD, 3, THU, True)],
                     id="tick-books"),
        pytest.param({"shown": [THU_KEY], "booked": [THU_KEY]}, [Change(CHILD, 3, THU, False)],
                     id="untick-cancels"),
        pytest.param({"shown": [THU_KEY], "booked": [THU_KEY], "cell": [THU_KEY]}, [],
                     id="still-booked"),
        pytest.param({"shown": [THU_KEY, FRI_KEY], "cell": [THU_KEY, FRI_KEY],
                      "booked": [FRI_KEY]}, [Change(CHILD, 3, THU, True)],
                     id="only-what-differs"),
        pytest.param({"shown": [THU_KEY, FRI_KEY], "booked": [FRI_KEY], "cell": [THU_KEY]},
                     [Change(CHILD, 3, THU, True), Change(CHILD, 3, FRI, False)],
                     id="book-one-cancel-another"),
        # htmx: only the toggled cell, even when another differs (the family is still clicking).
        pytest.param({"shown": [THU_KEY, FRI_KEY], "cell": [THU_KEY, FRI_KEY],
                      "toggle": THU_KEY}, [Change(CHILD, 3, THU, True)], id="toggle-one"),
        # A stale page: the cell was booked meanwhile; the tick is done as it says.
        pytest.param({"shown": [THU_KEY], "booked": [THU_KEY], "cell": [THU_KEY],
                      "toggle": THU_KEY}, [Change(CHILD, 3, THU, True)], id="toggle-stale"),
        pytest.param({"shown": [THU_KEY], "toggle": THU_KEY}, [Change(CHILD, 3, THU, False)],
                     id="toggle-untick"),
        # Pages drawn before the one key format: "<activity>:<day>" and was-<cell>.
        pytest.param({"shown": ["3:2026-11-26"], "cell": ["3:2026-11-26"],
                      "was-3:2026-11-26": "0"}, [Change(CHILD, 3, THU, True)], id="old-tick"),
        pytest.param({"shown": ["3:2026-11-26"], "was-3:2026-11-26": "1"},
                     [Change(CHILD, 3, THU, False)], id="old-untick"),
        pytest.param({"shown": ["3:2026-11-26", "3:2026-11-27"], "cell": ["3:2026-11-27"],
                      "was-3:2026-11-26": "0", "was-3:2026-11-27": "0",
                      "toggle": "3:2026-11-27"}, [Change(CHILD, 3, FRI, True)],
                     id="old-htmx-toggle"),
        # Both at once: a key of either format names the same cell.
        pytest.param({"shown": [THU_KEY], "cell": ["3:2026-11-26"]},
                     [Change(CHILD, 3, THU, True)], id="formats-mixed"),
    ],
)  # fmt: skip
def test_changes(fields, expected):
    parsed = parse(post(**BASE, **fields))
    assert parsed == GridPost(CHILD, MONDAY, None, expected)


def test_the_week_is_the_monday_of_the_posted_day():
    assert parse(post(child="7", semaine="2026-11-26")).monday == MONDAY


def test_an_activity_name_asks_for_the_whole_week_and_ignores_the_cells():
    parsed = parse(post(**BASE, week="3", shown=[THU_KEY], cell=[THU_KEY]))
    assert parsed == GridPost(CHILD, MONDAY, 3, [])


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"semaine": "2026-11-23"}, id="no-child"),
        pytest.param({"child": "x", "semaine": "2026-11-23"}, id="child-not-a-number"),
        pytest.param({"child": "7"}, id="no-week"),
        pytest.param({"child": "7", "semaine": "2026-13-45"}, id="week-not-a-date"),
        pytest.param({**BASE, "week": "canteen"}, id="activity-not-a-number"),
        pytest.param({**BASE, "shown": ["x:2026-13-45"], "cell": ["x:2026-13-45"]},
                     id="garbled-cell"),
        pytest.param({**BASE, "shown": ["7:3"]}, id="cell-without-a-day"),
        pytest.param({**BASE, "shown": ["1:2:3:2026-11-26"]}, id="too-many-parts"),
        pytest.param({**BASE, "toggle": "7:3:tomorrow"}, id="garbled-toggle"),
        pytest.param({**BASE, "booked": ["7:3:"]}, id="garbled-booked"),
        # A cell of another child, in any field: never read as this child's.
        pytest.param({**BASE, "shown": ["8:3:2026-11-26"], "cell": ["8:3:2026-11-26"]},
                     id="other-childs-cell"),
        pytest.param({**BASE, "shown": [THU_KEY], "toggle": "8:3:2026-11-26"},
                     id="other-childs-toggle"),
    ],
)  # fmt: skip
def test_refused(fields):
    with pytest.raises(GridPostError):
        parse(post(**fields))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-23", MONDAY),
        ("2026-11-29", MONDAY),
        ("2026-11-30", date(2026, 11, 30)),
        ("", None),
        (None, None),
        ("23/11/2026", None),
    ],
)
def test_parse_monday(value, expected):
    assert parse_monday(value) == expected
