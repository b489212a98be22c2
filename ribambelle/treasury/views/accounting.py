"""The accounting export of a period for the finance office: the page with its form, and the
CSV, streamed."""

import csv
from collections.abc import Iterable, Iterator
from datetime import date

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from ribambelle.accounts.access import staff_required
from ribambelle.billing import rules
from ribambelle.billing import selectors as billing_selectors
from ribambelle.treasury import accounting
from ribambelle.treasury.forms import AccountingExportForm

# Rows written to the response together: few, large chunks rather than one per line.
ROWS_PER_CHUNK = 500


class _Echo:
    """A file-like object whose write returns what was written: csv.writer then gives back
    each formatted row, for a streamed response."""

    def write(self, value: str) -> str:
        return value


def _csv(rows: Iterable[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";")
    buffer = ["\ufeff"]
    for row in rows:
        buffer.append(writer.writerow(row))
        if len(buffer) >= ROWS_PER_CHUNK:
            yield "".join(buffer)
            buffer = []
    yield "".join(buffer)


def _this_month() -> tuple[date, date]:
    return rules.month_bounds(timezone.localdate())


@staff_required
def page(request):
    """The form: this month, every office."""
    start, end = _this_month()
    offices = billing_selectors.offices_of(request.municipality)
    form = AccountingExportForm(offices, initial={"du": start, "au": end})
    return render(request, "treasury/accounting.html", {"form": form})


@staff_required
def export(request):
    """The CSV of the period asked; a date left empty is this month's first or last day. A
    wrong period or office gives the form back, saying why."""
    start, end = _this_month()
    data = request.GET.copy()
    data["du"] = data.get("du") or start
    data["au"] = data.get("au") or end
    form = AccountingExportForm(billing_selectors.offices_of(request.municipality), data)
    if not form.is_valid():
        return render(request, "treasury/accounting.html", {"form": form}, status=400)
    period = accounting.Period(
        municipality=request.municipality,
        start=form.cleaned_data["du"],
        end=form.cleaned_data["au"],
        office=form.cleaned_data["regie"],
    )
    response = StreamingHttpResponse(
        _csv(accounting.accounting_rows(period)), content_type="text/csv; charset=utf-8"
    )
    name = accounting.filename(period.start, period.end)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
