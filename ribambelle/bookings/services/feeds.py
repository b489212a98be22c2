"""The household's calendar feed (the address of its iCalendar subscription)."""

from django.db import transaction

from ribambelle.accounts.models import User
from ribambelle.bookings.models import CalendarFeed, new_feed_token
from ribambelle.core.audit import audit_record
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality


def calendar_feed_get_or_create(*, household: Household) -> CalendarFeed:
    """Created lazily: most households never open the page, and need no token."""
    feed, _created = CalendarFeed.objects.get_or_create(household=household)
    return feed


@transaction.atomic
def calendar_feed_reset(
    *, municipality: Municipality, actor: User, household: Household
) -> CalendarFeed:
    """A new token: the old address answers 404 from now on (a phone or a person who had it
    sees nothing more)."""
    feed = calendar_feed_get_or_create(household=household)
    feed.token = new_feed_token()
    feed.save(update_fields=["token", "created_at"])
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        target=household,
        household_id=household.pk,
        after={"calendar_feed": "renouvelé"},
    )
    return feed
