"""Household statuses as the queries name them."""

from ribambelle.families.models import Household


def test_not_refused_is_every_status_but_refused():
    """Queries filter `status__in=NOT_REFUSED` (robust to PostgreSQL's generic plans) where they
    meant "not refused": a new status must be listed there or this fails."""
    assert set(Household.NOT_REFUSED) == set(Household.Status) - {Household.Status.REFUSED}
