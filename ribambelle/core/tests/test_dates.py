import datetime

import pytest
from django.utils import translation

from ribambelle.core.dates import MONTH_NAMES, WEEKDAY_NAMES


@pytest.mark.parametrize(
    ("day", "weekday", "month"),
    [
        (datetime.date(2026, 11, 23), "lundi", "novembre"),
        (datetime.date(2026, 12, 1), "mardi", "décembre"),
        (datetime.date(2027, 1, 3), "dimanche", "janvier"),
        (datetime.date(2027, 8, 14), "samedi", "août"),
    ],
)
def test_names_follow_weekday_and_month_numbers(day, weekday, month):
    with translation.override("fr"):
        assert str(WEEKDAY_NAMES[day.weekday()]) == weekday
        assert str(MONTH_NAMES[day.month - 1]) == month


def test_names_are_translated_when_shown():
    assert (len(WEEKDAY_NAMES), len(MONTH_NAMES)) == (7, 12)
    with translation.override("en"):
        assert str(WEEKDAY_NAMES[0]).lower() == "monday"
        assert str(MONTH_NAMES[7]).lower() == "august"
