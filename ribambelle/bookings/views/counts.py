"""The daily counts for the kitchen ("effectifs"): bookings per activity, day and school with
the children's diets, as a page and as a CSV file. A constant number of queries whatever the
number of children."""

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from ribambelle.accounts.access import staff_view
from ribambelle.bookings import presenters
from ribambelle.bookings.counts_table import counts_tables
from ribambelle.bookings.forms_staff import CountsForm
from ribambelle.bookings.selectors.counts import counts_of

PAGE = "bookings/staff/counts.html"


@staff_view
def counts(request) -> HttpResponse:
    form = CountsForm.from_query(request.GET, today=timezone.localdate())
    if not form.is_valid():
        return render(request, PAGE, {"form": form}, status=400)
    start, end = form.period()
    csv_url = presenters.counts_csv_url(request.municipality, start, form.cleaned_data["semaines"])
    activities = counts_of(request.municipality, start, end)
    return render(
        request,
        PAGE,
        {
            "form": form,
            "start": start,
            "end": end,
            "activities": activities,
            "tables": counts_tables(activities),
            "csv_url": csv_url,
        },
    )


@staff_view
def counts_csv(request) -> HttpResponse:
    form = CountsForm.from_query(request.GET, today=timezone.localdate())
    if not form.is_valid():
        return HttpResponseBadRequest(
            presenters.invalid_period(), content_type="text/plain; charset=utf-8"
        )
    start, end = form.period()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = presenters.counts_filename(start, end)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    presenters.write_counts_csv(response, counts_of(request.municipality, start, end))
    return response
