"""Treasury settings and imputations of a billing office; invoices ready for the treasury with
a small stored PDF (rendering thousands with WeasyPrint is not what these tests are about)."""

import io

import factory
from django.core.files.base import ContentFile
from factory.django import DjangoModelFactory
from pypdf import PdfWriter

from ribambelle.billing.tests.factories import BillingOfficeFactory, InvoiceLineFactory
from ribambelle.treasury.models import Imputation, TreasurySettings


def small_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    stream = io.BytesIO()
    writer.write(stream)
    return stream.getvalue()


class TreasurySettingsFactory(DjangoModelFactory):
    class Meta:
        model = TreasurySettings

    office = factory.SubFactory(BillingOfficeFactory, siret="21690123400019")
    municipality = factory.SelfAttribute("office.municipality")
    collectivity_code = "123"
    budget_code = "01"
    post_code = "069001"
    nomenclature = "M57"
    title_object = "Restauration scolaire et accueil périscolaire"


class ImputationFactory(DjangoModelFactory):
    """`ImputationFactory(office=office, department=department)`: the department's receipts."""

    class Meta:
        model = Imputation

    office = factory.SubFactory(BillingOfficeFactory)
    municipality = factory.SelfAttribute("office.municipality")
    nature = "7067"
    function = "251"


def invoice_with_pdf(invoice, *, lines=((None, "Restauration scolaire", "13.50"),)):
    """Give `invoice` its lines ((activity, label, amount), ...) and a stored PDF."""
    from decimal import Decimal

    for activity, label, amount in lines:
        InvoiceLineFactory(
            invoice=invoice,
            activity=activity,
            label=label,
            quantity=1,
            unit_price=Decimal(amount),
            amount=Decimal(amount),
        )
    invoice.pdf.save(f"{invoice.number}.pdf", ContentFile(small_pdf()), save=True)
    return invoice
