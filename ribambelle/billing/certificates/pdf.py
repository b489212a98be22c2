"""The certificate's PDF: the invoices' document base (PDF/A-3u, tagged), the provider's
identity and SIRET, the household and its guardians, each child's amount and the signature."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string

from ribambelle.billing import pdf, rules
from ribambelle.billing.models import BillingOffice
from ribambelle.families.models import Guardian, Household


@dataclass(frozen=True)
class ChildAmount:
    name: str
    birth_date: date
    amount: Decimal


@dataclass(frozen=True)
class CertificateContent:
    household: Household
    guardians: list[Guardian]
    office: BillingOffice | None
    year: int
    version: int
    age_limit: int
    children: list[ChildAmount]
    signatory_name: str
    signatory_title: str
    issued_on: date


def certificate_pdf(content: CertificateContent) -> bytes:
    municipality = content.household.municipality
    office = content.office
    context = {
        "issuer": municipality,
        "issuer_name": municipality.name,
        "office": office,
        "siret": rules.format_siret(office.siret) if office else "",
        "logo": pdf.logo_data_uri(municipality),
        "household": content.household,
        "household_name": content.household.name,
        "reference": f"{content.household.pk:06d}",
        "guardians": content.guardians,
        "year": content.year,
        "version": content.version,
        "age_limit": content.age_limit,
        "children": content.children,
        "total": sum((child.amount for child in content.children), Decimal("0.00")),
        "signatory_name": content.signatory_name,
        "signatory_title": content.signatory_title,
        "issued_on": content.issued_on,
    }
    html = render_to_string("billing/certificates/tax_certificate_pdf.html", context)
    return pdf._write_pdf(html)


def certificate_filename(year: int) -> str:
    return f"attestation-fiscale-{year}.pdf"
