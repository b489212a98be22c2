"""Staff pages of the collections ("Prélèvements"): the dates to come with what they will
collect, the files generated (download), the generation of a date's file and one file's
debits. Any member of staff may look; managers and agents generate."""

import logging
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ribambelle.accounts.access import staff_view, staff_writer_required
from ribambelle.core.files import serve_file
from ribambelle.debits.collections import selectors, sepa, services
from ribambelle.debits.collections.forms import GenerateForm
from ribambelle.tenants.shortcuts import tenant_reverse

logger = logging.getLogger(__name__)

PAGE_SIZE = 50


@require_GET
@staff_view
def batches(request):
    municipality = request.municipality
    found = Paginator(selectors.batches_of(municipality), PAGE_SIZE)
    return render(
        request,
        "debits/collections/batches.html",
        {
            "upcoming": selectors.upcoming(municipality),
            "page_obj": found.get_page(request.GET.get("page")),
            "form": GenerateForm(municipality),
        },
    )


@require_POST
@staff_writer_required
def generate(request):
    municipality = request.municipality
    form = GenerateForm(municipality, request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez une régie, une date et un format de fichier."))
        return redirect(tenant_reverse(municipality, "debits_batches:list"))
    try:
        batch = services.batch_generate(
            office=form.cleaned_data["office"],
            collection_on=form.cleaned_data["collection_on"],
            scheme=form.cleaned_data["scheme"],
            actor=request.user,
        )
    except services.CollectionError as error:
        messages.error(request, str(error))
        return redirect(tenant_reverse(municipality, "debits_batches:list"))
    except sepa.InvalidFile:
        # Nothing was stored: the transaction was rolled back with the file refused.
        logger.exception("direct debit file refused by the schema")
        messages.error(
            request,
            _(
                "Le fichier n'a pas pu être produit : vérifiez les réglages de prélèvement de "
                "la régie (ICS, IBAN, BIC), puis réessayez."
            ),
        )
        return redirect(tenant_reverse(municipality, "debits_batches:list"))
    messages.success(
        request,
        _("Fichier de prélèvements prêt : %(count)s prélèvements, %(total)s €.")
        % {"count": batch.count, "total": number_format(Decimal(batch.total_cents) / 100, 2)},
    )
    return redirect(tenant_reverse(municipality, "debits_batches:detail", pk=batch.pk))


@require_GET
@staff_view
def batch(request, pk: int):
    found = selectors.batch_get(request.municipality, pk)
    debits = Paginator(selectors.batch_debits(found), PAGE_SIZE)
    return render(
        request,
        "debits/collections/batch.html",
        {"batch": found, "page_obj": debits.get_page(request.GET.get("page"))},
    )


@require_GET
@staff_view
def download(request, pk: int):
    found = selectors.batch_get(request.municipality, pk)
    return serve_file(
        found.file,
        content_type="application/xml",
        filename=f"prelevements-{found.collection_on:%Y-%m-%d}-{found.message_id}.xml",
    )
