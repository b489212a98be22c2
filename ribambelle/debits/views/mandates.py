"""The family's direct debit, from "Mes factures": sign a mandate for an office (confirmed
with the password), change its account (a new version of the same mandate), revoke it.
Offices of another municipality, mandates of another household or no longer in force: 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ribambelle.accounts.access import parent_required
from ribambelle.accounts.reauth import mark_authenticated
from ribambelle.core.files import serve_file
from ribambelle.debits.mandates import selectors, services
from ribambelle.debits.mandates.documents import mandate_document_type
from ribambelle.debits.mandates.forms import MandateSignForm, RevokeForm
from ribambelle.families import selectors as family_selectors
from ribambelle.tenants.shortcuts import tenant_reverse


def _invoices(request) -> str:
    return tenant_reverse(request.municipality, "billing:invoices") + "#prelevement"


def _sign_page(request, form, creditor, mandate=None) -> HttpResponse:
    context = {
        "form": form,
        "creditor": creditor,
        "mandate": mandate,
        "issuer": request.municipality,
    }
    status = 400 if form.errors else 200
    return render(request, "debits/mandates/sign.html", context, status=status)


@parent_required
def mandate_sign(request, office_pk: int):
    household = family_selectors.household_of(request)
    creditor = selectors.family_creditor_get(household, office_pk)
    if creditor.office_id in selectors.mandates_in_force(household):
        return redirect(_invoices(request))
    form = MandateSignForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mandate = services.mandate_sign(
                household=household,
                office=creditor.office,
                actor=request.user,
                values=form.values(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            mark_authenticated(request)
            text = _("Votre mandat %(reference)s est signé : vous le recevez par e-mail.")
            messages.success(request, text % {"reference": mandate.reference})
            return redirect(_invoices(request))
    return _sign_page(request, form, creditor)


@parent_required
def mandate_change(request, pk: int):
    """A new account for the mandate: the same RUM, a new signed version."""
    household = family_selectors.household_of(request)
    mandate = selectors.family_mandate_get(household, pk)
    creditor = selectors.family_creditor_get(household, mandate.office_id)
    initial = {"debtor_name": mandate.debtor_name, "signed_at": mandate.signed_at}
    form = MandateSignForm(request, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.mandate_amend(mandate=mandate, actor=request.user, values=form.values())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            mark_authenticated(request)
            text = _("Le compte de votre mandat %(reference)s est changé.")
            messages.success(request, text % {"reference": new.reference})
            return redirect(_invoices(request))
    return _sign_page(request, form, creditor, mandate)


@parent_required
def mandate_revoke(request, pk: int):
    """A confirmation page, then the revocation."""
    household = family_selectors.household_of(request)
    mandate = selectors.family_mandate_get(household, pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.mandate_revoke(
                mandate=mandate, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Le mandat est révoqué : plus aucun prélèvement."))
            return redirect(_invoices(request))
    context = {"form": form, "mandate": mandate}
    status = 400 if form.errors else 200
    return render(request, "debits/mandates/revoke.html", context, status=status)


@parent_required
def mandate_document(request, pk: int):
    household = family_selectors.household_of(request)
    mandate = selectors.family_mandate_get(household, pk)
    if not mandate.document:
        raise Http404
    # Signed online: a PDF; recorded on paper: the scan staff stored (PDF, JPEG or PNG).
    content_type, filename = mandate_document_type(mandate)
    return serve_file(mandate.document, content_type=content_type, filename=filename, inline=True)
