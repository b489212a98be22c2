"""Writes of the tax certificates: the municipality's settings (managers), and the yearly
generation, one certificate per household, published in "Mes documents" and e-mailed.

Generation is regenerable: a household gets a new version only when the amounts it would be
given differ from its latest certificate of the year (a payment recorded late, a credit
note); the previous version and its document are kept, the document marked replaced. A
household whose amount became zero after it had a certificate gets a version at zero, so that
the wrong one is replaced. Each household is written in its own transaction, under a lock on
its row, so that a failure half-way keeps what was done and two runs never make the same
version; running again finishes the work."""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.accounts.models import User
from ribambelle.billing.certificates import rules, selectors, tasks
from ribambelle.billing.certificates.models import CertificateSettings, TaxCertificate
from ribambelle.billing.certificates.pdf import CertificateContent, ChildAmount, certificate_pdf
from ribambelle.billing.models import BillingOffice
from ribambelle.bookings.models import Activity
from ribambelle.core.audit import audit_record, audit_record_changes
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Child, DocumentKind, Household
from ribambelle.families.selectors import guardians_of
from ribambelle.families.services.documents import issued_document_add
from ribambelle.tenants.models import Municipality


class CertificateError(Exception):
    """A refused request; the message is in French for the staff."""


@dataclass(frozen=True)
class SettingsValues:
    activities: list[Activity]
    age_limit: int
    signatory_name: str
    signatory_title: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "activities": sorted(activity.pk for activity in self.activities),
            "age_limit": self.age_limit,
            "signatory_name": self.signatory_name,
            "signatory_title": self.signatory_title,
        }


@transaction.atomic
def certificate_settings_save(
    *, municipality: Municipality, actor: User | None, values: SettingsValues
) -> CertificateSettings:
    if any(activity.municipality_id != municipality.pk for activity in values.activities):
        raise CertificateError(_("Cette activité n'existe pas."))
    found, created = CertificateSettings.objects.get_or_create(municipality=municipality)
    before = None
    if not created:
        before = {
            "activities": sorted(found.activities.values_list("pk", flat=True)),
            "age_limit": found.age_limit,
            "signatory_name": found.signatory_name,
            "signatory_title": found.signatory_title,
        }
    found.age_limit = values.age_limit
    found.signatory_name = values.signatory_name
    found.signatory_title = values.signatory_title
    found.save()
    found.activities.set(values.activities)
    audit_record_changes(
        municipality=municipality, actor=actor, target=found, before=before, after=values.as_dict()
    )
    return found


@dataclass(frozen=True)
class GenerateResult:
    created: int  # certificates written (new households and new versions)
    unchanged: int  # households whose latest certificate still says the same
    households: int  # households with a certificate of the year (non-zero)
    total_cents: int  # what the latest certificates of the year state, together

    @property
    def total(self) -> Decimal:
        return Decimal(self.total_cents) / 100


def _amounts(children: list[Child], per_child: dict[int, int]) -> dict[str, Any]:
    return {
        "children": [
            {
                "child": child.pk,
                "name": f"{child.first_name} {child.last_name}",
                "birth_date": child.birth_date.isoformat(),
                "cents": per_child[child.pk],
            }
            for child in children
            if per_child.get(child.pk)
        ]
    }


def _office(facts: selectors.HouseholdFacts) -> int | None:
    """The office that received most of the household's invoices of the year: its name and
    SIRET are on the certificate."""
    counts = Counter(facts.offices.values())
    return counts.most_common(1)[0][0] if counts else None


def tax_certificates_generate(
    *, municipality: Municipality, year: int, actor: User | None, today: date | None = None
) -> GenerateResult:
    """One certificate per household with money paid in `year` for eligible childcare (see
    the module's docstring for versions)."""
    today = today or timezone.localdate()
    if year >= today.year:
        raise CertificateError(
            _(
                "L'année %(year)s n'est pas terminée : ses attestations ne peuvent pas "
                "encore être établies."
            )
            % {"year": year}
        )
    settings = selectors.settings_of(municipality)
    activities = selectors.eligible_activity_ids(settings)
    facts = selectors.year_facts(municipality, year)
    latest = selectors.latest_certificates(municipality, year)
    household_ids = sorted(set(facts) | set(latest))
    children = selectors.children_of_households(household_ids)
    offices = {office.pk: office for office in BillingOffice.objects.for_municipality(municipality)}
    created = unchanged = 0
    for household_id in household_ids:
        mine = children.get(household_id, [])
        household_facts = facts.get(household_id, selectors.HouseholdFacts())
        per_child = rules.paid_per_child(
            year=year,
            invoices=household_facts.invoices,
            received=household_facts.received,
            taken_back=household_facts.taken_back,
            eligible_activities=activities,
            eligible_children={
                child.pk
                for child in mine
                if rules.child_counts(child.birth_date, year, settings.age_limit)
            },
        )
        amounts = _amounts(mine, per_child)
        previous = latest.get(household_id)
        if previous is None and not amounts["children"]:
            continue  # nothing paid, nothing certified before
        if previous is not None and previous.amounts == amounts:
            unchanged += 1
            continue
        office_id = _office(household_facts)
        certificate = _certificate_write(
            municipality=municipality,
            household_id=household_id,
            year=year,
            amounts=amounts,
            settings=settings,
            office=offices.get(office_id) if office_id else None,
            actor=actor,
            today=today,
        )
        if certificate is not None:
            latest[household_id] = certificate
            created += 1
    stated = [item for item in latest.values() if item.total_cents > 0]
    return GenerateResult(
        created=created,
        unchanged=unchanged,
        households=len(stated),
        total_cents=sum(item.total_cents for item in stated),
    )


@transaction.atomic
def _certificate_write(
    *,
    municipality: Municipality,
    household_id: int,
    year: int,
    amounts: dict[str, Any],
    settings: CertificateSettings,
    office: BillingOffice | None,
    actor: User | None,
    today: date,
) -> TaxCertificate | None:
    household = (
        Household.objects.select_for_update()
        .select_related("municipality")
        .filter(pk=household_id, municipality=municipality)
        .first()
    )
    if household is None:
        return None
    previous = (
        TaxCertificate.objects.filter(household=household, year=year).order_by("-version").first()
    )
    if previous is not None and previous.amounts == amounts:
        return None  # another run wrote it meanwhile
    version = previous.version + 1 if previous else 1
    children = [
        ChildAmount(
            name=item["name"],
            birth_date=date.fromisoformat(item["birth_date"]),
            amount=Decimal(item["cents"]) / 100,
        )
        for item in amounts["children"]
    ]
    content = certificate_pdf(
        CertificateContent(
            household=household,
            guardians=list(guardians_of(household)),
            office=office,
            year=year,
            version=version,
            age_limit=settings.age_limit,
            children=children,
            signatory_name=settings.signatory_name,
            signatory_title=settings.signatory_title,
            issued_on=today,
        )
    )
    document = issued_document_add(
        actor=actor,
        household=household,
        kind=DocumentKind.TAX_CERTIFICATE,
        name=_("Attestation fiscale %(year)s") % {"year": year},
        version_key=f"tax-{year}",
        content=content,
    )
    total = sum(item["cents"] for item in amounts["children"])
    certificate = TaxCertificate.objects.create(
        municipality=municipality,
        household=household,
        year=year,
        version=version,
        amounts=amounts,
        total_cents=total,
        document=document,
        created_by=actor,
    )
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=certificate,
        household_id=household.pk,
        after={"year": year, "version": version, "total_cents": total},
    )
    transaction.on_commit(lambda: tasks.send_tax_certificate.enqueue(certificate.pk))
    return certificate
