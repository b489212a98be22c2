"""The direct debit settings of a billing office (managers): the creditor identifier, the
office's account (never shown again in full), the collection day, what a return costs."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ribambelle.accounts.access import manager_required
from ribambelle.billing import selectors as billing_selectors
from ribambelle.debits.mandates import selectors, services
from ribambelle.debits.mandates.forms import CreditorForm
from ribambelle.tenants.shortcuts import tenant_reverse


@manager_required
def creditor_edit(request, office_pk: int):
    office = billing_selectors.office_get(request.municipality, office_pk)
    creditor = selectors.creditor_of(office)
    form = CreditorForm(creditor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.creditor_save(
                municipality=request.municipality,
                actor=request.user,
                office=office,
                values=form.values(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            text = _("Le prélèvement de la régie « %(name)s » est enregistré.")
            messages.success(request, text % {"name": office.name})
            url = tenant_reverse(request.municipality, "billing_staff:offices")
            return redirect(f"{url}#regie-{office.pk}")
    context = {"form": form, "office": office, "creditor": creditor}
    status = 400 if form.errors else 200
    return render(request, "debits/staff/creditor_form.html", context, status=status)
