"""Reads of published documents. `visible_to` is the one place that says which documents a
household may see: every portal list, count and download starts from it, so that a document
outside its audience is neither listed nor served (invariant 1)."""

import datetime
import functools
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ribambelle.bookings.models import Activity, Booking
from ribambelle.core.statements import Statement
from ribambelle.documents.models import Audience, Category, Document, ReadReceipt
from ribambelle.families.models import Child, FamilyDocument, Household
from ribambelle.families.selectors import DOCUMENT_LIST_FIELDS, DOCUMENT_OWNER_FIELDS
from ribambelle.tenants.models import HouseholdKey, Municipality

# A booking this recent (or to come) makes the household part of an activity's families.
BOOKING_WINDOW = datetime.timedelta(days=365)


def visible_to(
    household: Household | HouseholdKey,
    today: datetime.date | None = None,
    since: datetime.date | None = None,
) -> QuerySet[Document]:
    """Documents published, not ended (dates in the municipality's time) and addressed to the
    household: everyone, a department or activity its children booked, or a child's school
    (in any case: both sides store the name case-folded, see core.folding). The audience is
    one SQL fragment (_audience_sql): counting stays one query, and a page that lists, counts
    and finds documents does not pay for building and compiling the same three subqueries in
    the ORM each time (most of the documents page's time, issue 15). `since`, the first day
    of the booking window, is `today` minus BOOKING_WINDOW unless given (a statement's value)."""
    today = today or timezone.localdate()
    window_start = connection.ops.adapt_datefield_value(since or today - BOOKING_WINDOW)
    municipality, pk = household.municipality_id, household.pk
    return (
        Document.objects.for_municipality(municipality)
        .filter(published_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .filter(
            # Fixed SQL of table names; every value is a parameter.
            pk__in=RawSQL(  # noqa: S611
                _audience_sql(),
                (
                    municipality,
                    Audience.ALL,
                    Audience.DEPARTMENT,
                    *(municipality, pk, window_start),
                    Audience.ACTIVITY,
                    *(municipality, pk, window_start),
                    Audience.SCHOOL,
                    *(municipality, pk),
                ),
            )
        )
    )


@functools.cache
def _audience_sql() -> str:
    """The ids of the municipality's documents addressed to one household, whatever their
    dates. Self-contained (it names no table of the outer query), so it holds wherever
    visible_to is used, a subquery included. Its parameters, in order: the municipality;
    ALL; DEPARTMENT, then the municipality, the household and the first day of the booking
    window; ACTIVITY and the same three; SCHOOL, the municipality and the household."""
    document, booking = Document._meta.db_table, Booking._meta.db_table
    child, activity = Child._meta.db_table, Activity._meta.db_table
    households_bookings = (
        f"{booking} b JOIN {child} c ON c.id = b.child_id"
        " WHERE c.municipality_id = %s AND c.household_id = %s AND b.date >= %s"
    )
    # Only the models' table names are formatted in; every value is a parameter.
    return f"""SELECT d.id FROM {document} d WHERE d.municipality_id = %s AND (d.audience = %s
        OR (d.audience = %s AND d.department_id IN (SELECT a.department_id FROM {activity} a
            WHERE a.id IN (SELECT b.activity_id FROM {households_bookings})))
        OR (d.audience = %s AND d.activity_id IN (SELECT b.activity_id FROM {households_bookings}))
        OR (d.audience = %s AND d.school_key IN (SELECT c.school_key FROM {child} c
            WHERE c.municipality_id = %s AND c.household_id = %s AND c.school <> '')))"""  # noqa: S608


def _read_by(household: Household | HouseholdKey) -> Exists:
    return Exists(ReadReceipt.objects.filter(document=OuterRef("pk"), household_id=household.pk))


def unread_for(
    household: Household | HouseholdKey,
    today: datetime.date | None = None,
    since: datetime.date | None = None,
) -> QuerySet[Document]:
    return visible_to(household, today, since).exclude(_read_by(household))


def categories_with_unread(
    household: Household | HouseholdKey,
    today: datetime.date | None = None,
    since: datetime.date | None = None,
) -> QuerySet[Category]:
    """The municipality's categories, each with `visible` and `unread` counts: one query."""

    def count_of(documents: QuerySet[Document]) -> Coalesce:
        per_category = (
            documents.filter(category=OuterRef("pk"))
            .order_by()
            .values("category")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return Coalesce(Subquery(per_category, output_field=IntegerField()), Value(0))

    return Category.objects.for_municipality(household.municipality_id).annotate(
        visible=count_of(visible_to(household, today, since)),
        unread=count_of(unread_for(household, today, since)),
    )


def _window(household: Household) -> dict[str, Any]:
    """A household's values for the statements below: its ids, today, the booking window."""
    today = timezone.localdate()
    return {
        "municipality": household.municipality_id,
        "household": household.pk,
        "today": today,
        "since": today - BOOKING_WINDOW,
    }


_categories = Statement(
    lambda municipality, household, today, since: categories_with_unread(
        HouseholdKey(municipality, household), today, since
    )
)


def categories_listed(household: Household) -> list[Category]:
    """categories_with_unread, its SQL compiled once (the documents page)."""
    return _categories(**_window(household))


_category = Statement(
    lambda municipality, pk: Category.objects.for_municipality(municipality).filter(pk=pk)
)


def category_get(municipality: Municipality, pk: int) -> Category:
    found = _category(municipality=municipality.pk, pk=pk)
    if not found:
        raise Http404
    category: Category = found[0]
    return category


def documents_in(
    household: Household | HouseholdKey,
    category: Category | int,
    today: datetime.date | None = None,
    since: datetime.date | None = None,
) -> QuerySet[Document]:
    """The category's documents the household may see, each with `is_read`."""
    return (
        visible_to(household, today, since)
        .filter(category=category)
        .annotate(is_read=_read_by(household))
        .defer("file")
    )


def _in_category(
    municipality: int, household: int, category: int, today: datetime.date, since: datetime.date
) -> QuerySet[Document]:
    return documents_in(HouseholdKey(municipality, household), category, today, since)


_count_in = Statement(
    lambda **values: (
        _in_category(**values)
        .order_by()
        .values("category")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
)


def _first_page_in(per_page: int) -> Statement:
    return Statement(
        lambda **values: _in_category(**values).order_by("-published_on", "-pk")[:per_page]
    )


class CategoryDocuments:
    """A category's documents the household may see, newest first, as a Paginator reads them:
    their count, and one page (the first through a statement compiled once, the page every
    visit opens; a later one built by the ORM, its LIMIT and OFFSET are part of the SQL)."""

    _first_pages: dict[int, Statement] = {}

    def __init__(self, household: Household, category: Category, per_page: int):
        self.household, self.category, self.per_page = household, category, per_page
        self.values = {**_window(household), "category": category.pk}

    def count(self) -> int:
        counts = _count_in(**self.values)
        return counts[0] if counts else 0

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Document]:
        # The Paginator asks the first page as [0:per_page], or [0:count] when it is the last.
        if window.start == 0 and window.stop is not None and window.stop <= self.per_page:
            statement = self._first_pages.get(self.per_page)
            if statement is None:
                statement = self._first_pages[self.per_page] = _first_page_in(self.per_page)
            return statement(**self.values)[: window.stop]
        return list(_in_category(**self.values).order_by("-published_on", "-pk")[window])


def visible_get(household: Household, pk: int) -> Document:
    """A document the household may see; 404 for anything else, whoever published it."""
    return get_object_or_404(visible_to(household), pk=pk)


# How many documents the portal home lists.
RECENT = 3


def _recent(
    municipality: int, household: int, today: datetime.date, since: datetime.date
) -> QuerySet[Document]:
    key = HouseholdKey(municipality, household)
    return (
        visible_to(key, today, since)
        .select_related("category")
        .annotate(is_read=_read_by(key))
        .order_by("-published_on", "-pk")[:RECENT]
    )


_recent_statement = Statement(_recent)


def recent_for_household(household: Household) -> list[Document]:
    """The most recent documents the household may see, for the home page: one query, its SQL
    compiled once."""
    today = timezone.localdate()
    return _recent_statement(
        municipality=household.municipality_id,
        household=household.pk,
        today=today,
        since=today - BOOKING_WINDOW,
    )


def family_documents_of(household: Household | HouseholdKey) -> QuerySet[FamilyDocument]:
    """The household's own uploaded documents (families app), listed read-only here, each with
    the child or guardian it is for."""
    return (
        FamilyDocument.objects.for_household(household)
        .filter(replaced_at__isnull=True)
        .select_related("child", "guardian")
        .only(*DOCUMENT_LIST_FIELDS, *DOCUMENT_OWNER_FIELDS)
        .order_by("-uploaded_at", "-pk")
    )


def staff_documents(municipality: Municipality) -> QuerySet[Document]:
    return (
        Document.objects.for_municipality(municipality)
        .select_related("category", "department", "activity", "created_by")
        # A correlated count per row, an aggregate without GROUP BY (Func, not Count: the
        # ORM would group), reads the receipts' document index. Grouped and limited to one
        # row, PostgreSQL planned a scan of every receipt for each document (1 s for 50
        # documents of 2,000 receipts each at 5,000 households, issue 15).
        .annotate(
            read_count=Subquery(
                ReadReceipt.objects.filter(document=OuterRef("pk"))
                .order_by()
                .annotate(n=Func(Value(1), function="COUNT", output_field=IntegerField()))
                .values("n")
            )
        )
        .defer("file")
        .order_by("-published_on", "-pk")
    )


def staff_document_get(municipality: Municipality, pk: int) -> Document:
    return get_object_or_404(Document.objects.for_municipality(municipality), pk=pk)


def staff_categories(municipality: Municipality) -> QuerySet[Category]:
    return Category.objects.for_municipality(municipality).annotate(
        document_count=Count("documents")
    )


_family_documents = Statement(
    lambda municipality, household: family_documents_of(HouseholdKey(municipality, household))
)


def family_documents_listed(household: Household) -> list[FamilyDocument]:
    """family_documents_of, its SQL compiled once (the documents page)."""
    return _family_documents(municipality=household.municipality_id, household=household.pk)
