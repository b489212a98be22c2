"""Every staff write leaves an audit entry (invariant 8, issue 11).

The public functions of every `services` module or package are listed below, each either a
staff write, with the arguments of a typical call by a manager, or not a staff write, with the
reason. A new service that is not in the table fails the first test, so the question is asked
of every service when it is written; a staff write is then called and must leave an entry whose
actor is the member of staff. Services that do not take an actor yet are called without one.

EXPECTED lists the staff writes that do not audit yet and are fixed on other branches of the
refactor (xfail, strict: the lead removes an entry once its branch is merged)."""

import datetime
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.files.base import ContentFile

import ribambelle
from ribambelle.accounts.models import Role, User
from ribambelle.accounts.tests.factories import AgentFactory, ManagerFactory
from ribambelle.billing.certificates.models import CertificateSettings
from ribambelle.billing.certificates.services import SettingsValues as CertificateValues
from ribambelle.billing.models import Invoice, InvoiceRun
from ribambelle.billing.reminders.services import LevelValues
from ribambelle.billing.services import OfficeValues
from ribambelle.billing.tests.factories import (
    BillingOfficeFactory,
    CreditMovementFactory,
    InvoiceFactory,
    InvoiceLineFactory,
    InvoiceRunFactory,
    PaymentFactory,
    ReminderLevelFactory,
    ReminderPauseFactory,
)
from ribambelle.bookings.forms_config import ActivityForm
from ribambelle.bookings.models import Booking
from ribambelle.bookings.rules import PARIS, Change
from ribambelle.bookings.services.config import ActivityValues
from ribambelle.bookings.tests.factories import (
    MONDAY,
    ActivityFactory,
    AttendanceFactory,
    ClosureFactory,
)
from ribambelle.core.models import AuditEntry
from ribambelle.debits.mandates.services import CreditorValues
from ribambelle.debits.tests.mandates.factories import (
    CREDITOR_IBAN,
    CreditorFactory,
    MandateFactory,
    account_values,
)
from ribambelle.documents.tests.factories import CategoryFactory, DocumentFactory
from ribambelle.families.categories import CATEGORIES
from ribambelle.families.models import Household
from ribambelle.families.services.records import PersonValues
from ribambelle.families.tests.factories import (
    PDF,
    AuthorizedPersonFactory,
    ChildFactory,
    ConsentFactory,
    FamilyDocumentFactory,
    HouseholdFactory,
    PendingChangeFactory,
    RequirementFactory,
)
from ribambelle.messaging.tests.factories import ConversationFactory
from ribambelle.tenants.tests.factories import DepartmentFactory
from ribambelle.treasury.services import pes_export_create
from ribambelle.treasury.services.settings import SettingsValues
from ribambelle.treasury.tests.factories import (
    ImputationFactory,
    TreasurySettingsFactory,
    invoice_with_pdf,
)
from ribambelle.treasury.tests.test_acquit import acquit

Arguments = Callable[[User], dict[str, Any]]


@dataclass(frozen=True)
class StaffWrite:
    """The keyword arguments of a call by `manager` (the actor is added by the test)."""

    arguments: Arguments


@dataclass(frozen=True)
class NotStaffWrite:
    reason: str


# Staff writes: the arguments of a typical call.


def creditor_settings(manager: User) -> dict[str, Any]:
    values = CreditorValues(
        name="Régie enfance",
        ics="FR72ZZZ123456",
        iban=CREDITOR_IBAN,
        bic="",
        collection_day=10,
        return_fee=Decimal("0.00"),
        returns_before_suspension=2,
    )
    office = BillingOfficeFactory(municipality=manager.municipality)
    return {"municipality": manager.municipality, "office": office, "values": values}


def mandate_of(manager: User, **extra: Any) -> dict[str, Any]:
    mandate = MandateFactory(office__municipality=manager.municipality, **extra)
    return {"municipality": manager.municipality, "mandate": mandate}


def paper_mandate(manager: User) -> dict[str, Any]:
    creditor = CreditorFactory(office__municipality=manager.municipality)
    return {
        "municipality": manager.municipality,
        "household": HouseholdFactory(municipality=manager.municipality),
        "office": creditor.office,
        "values": account_values(),
        "signed_on": datetime.date(2026, 11, 2),
        "reference": "",
        "scan": ContentFile(PDF, name="mandat.pdf"),
        "content_type": "application/pdf",
    }


def office_change(manager: User) -> dict[str, Any]:
    department = DepartmentFactory(municipality=manager.municipality)
    office = BillingOfficeFactory(municipality=manager.municipality, departments=[department])
    values = OfficeValues(name="Régie périscolaire", departments=[department], due_days=30)
    return {"municipality": manager.municipality, "office": office, "values": values}


def treasury_codes(manager: User) -> dict[str, Any]:
    values = SettingsValues(
        collectivity_code="123",
        budget_code="01",
        post_code="0690000",
        nomenclature="M57",
        title_object="Restauration scolaire",
        payfip=False,
    )
    office = BillingOfficeFactory(municipality=manager.municipality)
    return {"municipality": manager.municipality, "office": office, "values": values}


def treasury_imputations(manager: User) -> dict[str, Any]:
    department = DepartmentFactory(municipality=manager.municipality)
    office = BillingOfficeFactory(municipality=manager.municipality, departments=[department])
    return {
        "municipality": manager.municipality,
        "office": office,
        "departments": {department.pk: ("7067", "213")},
        "activities": {},
    }


def office_test(manager: User) -> dict[str, Any]:
    office = BillingOfficeFactory(municipality=manager.municipality)
    return {"municipality": manager.municipality, "office": office, "enabled": True}


def activity_values(manager: User) -> dict[str, Any]:
    activity = ActivityFactory(municipality=manager.municipality)
    data = {
        "department": activity.department_id,
        "name": "Cantine du mercredi",
        "unit": activity.unit,
        "weekdays": ["2"],
        "starts_on": activity.starts_on,
        "ends_on": activity.ends_on,
        "book_kind": activity.book_kind,
        "book_days": "2",
        "book_weekday": "1",
        "book_time": "23:59",
        "cancel_kind": activity.cancel_kind,
        "cancel_days": "2",
        "cancel_weekday": "1",
        "cancel_time": "23:59",
        "position": "0",
        "is_active": "on",
    }
    form = ActivityForm(manager.municipality, data, instance=activity)
    assert form.is_valid(), form.errors
    return {
        "municipality": manager.municipality,
        "activity": activity,
        "values": ActivityValues.of(form.cleaned_data),
        "enrolled": [],
    }


def staff_booking(manager: User) -> dict[str, Any]:
    """A day booked for a family by staff, before the deadline: no override."""
    child = ChildFactory(household__municipality=manager.municipality)
    activity = ActivityFactory(municipality=manager.municipality)
    day = MONDAY + datetime.timedelta(days=7)
    return {
        "municipality": manager.municipality,
        "household": child.household,
        "changes": [Change(child.pk, activity.pk, day, True)],
        "source": Booking.Source.STAFF,
    }


def staff_grid_booking(manager: User) -> dict[str, Any]:
    """The same day booked from the household's weekly grid."""
    arguments = staff_booking(manager)
    return {**arguments, "monday": MONDAY + datetime.timedelta(days=7)}


def attendance(manager: User) -> dict[str, Any]:
    child = ChildFactory(household__municipality=manager.municipality)
    activity = ActivityFactory(municipality=manager.municipality)
    return {"activity": activity, "child": child, "day": MONDAY}


def attendance_recorded(manager: User) -> dict[str, Any]:
    mark = AttendanceFactory(child__household__municipality=manager.municipality)
    return {
        "municipality": manager.municipality,
        "activity": mark.activity,
        "child": mark.child,
        "day": mark.date,
    }


def pending_change(manager: User) -> dict[str, Any]:
    return {"change": PendingChangeFactory(household__municipality=manager.municipality)}


def pending_signup(manager: User) -> dict[str, Any]:
    return {
        "household": HouseholdFactory(
            municipality=manager.municipality, status=Household.Status.PENDING
        )
    }


def draft_run(manager: User) -> dict[str, Any]:
    run = InvoiceRunFactory(
        office__municipality=manager.municipality, status=InvoiceRun.Status.DRAFT
    )
    InvoiceFactory(office=run.office, run=run, status=Invoice.Status.DRAFT, number="")
    return {"municipality": manager.municipality, "run": run}


def scheduled_debit(manager: User) -> dict[str, Any]:
    """A debit of 13,50 € scheduled on 10 December 2026 for an office with SEPA settings."""
    from ribambelle.debits.models import Debit
    from ribambelle.debits.tests.factories import CreditorFactory, MandateFactory

    creditor = CreditorFactory(office__municipality=manager.municipality)
    mandate = MandateFactory(office=creditor.office)
    invoice = InvoiceFactory(office=creditor.office, household=mandate.household)
    day = datetime.date(2026, 12, 10)
    Debit.objects.create(
        municipality=manager.municipality,
        invoice=invoice,
        mandate=mandate,
        collection_on=day,
        amount_cents=1350,
    )
    return {"office": creditor.office, "collection_on": day}


def issued_invoice(manager: User) -> dict[str, Any]:
    return {
        "municipality": manager.municipality,
        "invoice": InvoiceFactory(office__municipality=manager.municipality),
    }


def debit_payment(manager: User) -> dict[str, Any]:
    """A debit that paid its invoice, which the bank returns."""
    invoice = InvoiceFactory(office__municipality=manager.municipality, paid=Decimal("13.50"))
    payment = PaymentFactory(invoice=invoice, method="debit")
    return {"payment": payment, "returned_on": MONDAY, "label": "AM04"}


def fee(manager: User) -> dict[str, Any]:
    invoice = InvoiceFactory(office__municipality=manager.municipality)
    return {
        "municipality": manager.municipality,
        "household": invoice.household,
        "amount": Decimal("5.00"),
        "charged_on": MONDAY,
        "label": "AM04",
        "invoice": invoice,
    }


def fee_owed(manager: User) -> dict[str, Any]:
    household = CreditMovementFactory(
        household__municipality=manager.municipality, kind="fee", credit_cents=-500
    ).household
    return {
        "municipality": manager.municipality,
        "household": household,
        "amount": Decimal("5.00"),
        "method": "cheque",
        "received_on": MONDAY,
        "reference": "Chèque 12",
    }


def sent_debit_of(manager: User) -> Any:
    from ribambelle.debits.tests.factories_returns import ReturnsCreditorFactory, sent_debit

    creditor = ReturnsCreditorFactory(office__municipality=manager.municipality)
    household = HouseholdFactory(municipality=manager.municipality)
    return sent_debit(
        creditor.office, household, collection_on=MONDAY, end_to_end_id="RIB-2026-12-000001"
    )


def return_file(manager: User) -> dict[str, Any]:
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    debit = sent_debit_of(manager)
    content = (Path(__file__).parents[1] / "debits/tests/data/camt054_returns.xml").read_bytes()
    return {
        "office": debit.mandate.office,
        "uploaded_file": SimpleUploadedFile("camt054.xml", content),
    }


def refund_holder(manager: User) -> dict[str, Any]:
    """A household with 12,50 € of credit and a mandate with a direct debit office."""
    from ribambelle.debits.tests.factories_returns import (
        ReturnsCreditorFactory,
        ReturnsMandateFactory,
    )

    creditor = ReturnsCreditorFactory(office__municipality=manager.municipality)
    household = CreditMovementFactory(household__municipality=manager.municipality).household
    ReturnsMandateFactory(office=creditor.office, household=household)
    return {
        "municipality": manager.municipality,
        "office": creditor.office,
        "household": household,
        "amount": Decimal("12.50"),
    }


def refund_pending(manager: User) -> dict[str, Any]:
    from ribambelle.debits.refunds.services import refund_transfer_create

    transfer = refund_transfer_create(**refund_holder(manager), actor=None)
    return {"office": transfer.office, "execution_on": MONDAY}


def certificate_settings(manager: User) -> dict[str, Any]:
    activity = ActivityFactory(municipality=manager.municipality)
    values = CertificateValues(
        activities=[activity], age_limit=6, signatory_name="Camille Roux", signatory_title=""
    )
    return {"municipality": manager.municipality, "values": values}


def paid_childcare_2025(manager: User) -> dict[str, Any]:
    """Evening care of a child under six, invoiced and paid in 2025: one certificate."""
    municipality = manager.municipality
    activity = ActivityFactory(municipality=municipality)
    CertificateSettings.objects.create(municipality=municipality).activities.set([activity])
    child = ChildFactory(
        household__municipality=municipality, birth_date=datetime.date(2021, 4, 17)
    )
    invoice = InvoiceFactory(
        office__municipality=municipality, household=child.household, total=Decimal("10.00")
    )
    InvoiceLineFactory(
        invoice=invoice, child=child, activity=activity, quantity=5, unit_price=Decimal("2.00")
    )
    PaymentFactory(invoice=invoice, received_on=datetime.date(2025, 7, 5))
    return {"municipality": municipality, "year": 2025}


def conversation(manager: User) -> dict[str, Any]:
    return {"conversation": ConversationFactory(household__municipality=manager.municipality)}


def with_consents(manager: User) -> dict[str, Any]:
    ConsentFactory(municipality=manager.municipality, label="Photos", position=0)
    second = ConsentFactory(municipality=manager.municipality, label="Sortie seul", position=1)
    return {"municipality": manager.municipality, "consent": second}


def treasury_export(manager: User) -> dict[str, Any]:
    """An issued invoice of an office set up for the treasury, sent as its run."""
    settings = TreasurySettingsFactory(office__municipality=manager.municipality)
    department = DepartmentFactory(municipality=manager.municipality)
    ImputationFactory(office=settings.office, department=department)
    activity = ActivityFactory(municipality=manager.municipality, department=department)
    invoice = invoice_with_pdf(
        InvoiceFactory(office=settings.office), lines=[(activity, "Cantine", "13.50")]
    )
    return {
        "municipality": manager.municipality,
        "office": settings.office,
        "source_kind": "run",
        "run": invoice.run,
    }


def treasury_acquit(manager: User) -> dict[str, Any]:
    export = pes_export_create(**treasury_export(manager), actor=None)
    content = acquit(export.year, export.bordereau, [("", True, "")])
    return {"municipality": manager.municipality, "export": export, "content": content}


SERVICES: dict[str, StaffWrite | NotStaffWrite] = {
    # accounts
    "accounts.services.device_session_end": NotStaffWrite("one's own devices, from Mon compte"),
    "accounts.services.device_session_rekey": NotStaffWrite("follows one's own session key"),
    "accounts.services.device_session_start": NotStaffWrite("a login of anyone"),
    "accounts.services.device_session_touch": NotStaffWrite("the last use of one's own device"),
    "accounts.services.device_sessions_end_all": NotStaffWrite(
        "one's own devices, or after one's own new password"
    ),
    "accounts.services.login_failure_record": NotStaffWrite("a failed login of anyone: throttling"),
    "accounts.services.login_success_record": NotStaffWrite("a login of anyone: throttling"),
    "accounts.services.login_throttled": NotStaffWrite("a read"),
    "accounts.services.password_link_request": NotStaffWrite("asked by anyone, signed out"),
    "accounts.services.staff_invite": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "email": "nouvel.agent@ville.fr",
            "first_name": "Noé",
            "last_name": "Roux",
            "role": Role.AGENT,
        }
    ),
    "accounts.services.user_email_change": NotStaffWrite("one's own login e-mail, confirmed"),
    "accounts.services.user_email_change_request": NotStaffWrite("sends a confirmation link"),
    "accounts.services.user_set_password": NotStaffWrite("one's own password, never logged"),
    # billing
    "billing.account.services.account_credit_note_post": NotStaffWrite(
        "a step of credit_note_create, which audits"
    ),
    "billing.account.services.account_invoices_post": NotStaffWrite(
        "a step of invoice_run_issue, which audits"
    ),
    "billing.account.services.account_payment_post": NotStaffWrite(
        "a step of payment_record and payment_confirm, which audit"
    ),
    "billing.account.services.account_refund_record": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "household": CreditMovementFactory(
                household__municipality=manager.municipality
            ).household,
            "amount": Decimal("12.50"),
            "method": "transfer",
            "refunded_on": MONDAY,
            "reference": "Virement du 23/11",
        }
    ),
    "billing.account.services.cents": NotStaffWrite("a helper"),
    "billing.account.services.fee_charge": StaffWrite(fee),
    "billing.account.services.fee_payment_record": StaffWrite(fee_owed),
    "billing.account.services.payment_return": StaffWrite(debit_payment),
    "billing.payments.services.absolute": NotStaffWrite("a helper"),
    "billing.payments.services.new_reference": NotStaffWrite("a helper"),
    "billing.payments.services.notification_receive": NotStaffWrite(
        "the payment provider's server; audited as such"
    ),
    "billing.payments.services.payment_abandon": NotStaffWrite("a task; audited as such"),
    "billing.payments.services.payment_confirm": NotStaffWrite(
        "the payment provider's answer; audited as such"
    ),
    "billing.payments.services.payment_start": NotStaffWrite("a family paying online"),
    "billing.certificates.services.certificate_settings_save": StaffWrite(certificate_settings),
    "billing.certificates.services.tax_certificates_generate": StaffWrite(paid_childcare_2025),
    "billing.reminders.services.household_reminders_pause": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "household": HouseholdFactory(municipality=manager.municipality),
            "reason": "Échéancier accordé",
        }
    ),
    "billing.reminders.services.household_reminders_resume": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "household": ReminderPauseFactory(
                household__municipality=manager.municipality
            ).household,
        }
    ),
    "billing.reminders.services.reminder_level_delete": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "level": ReminderLevelFactory(office__municipality=manager.municipality),
        }
    ),
    "billing.reminders.services.reminder_level_save": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "office": BillingOfficeFactory(municipality=manager.municipality),
            "level": None,
            "values": LevelValues(
                days_after_due=7,
                action="email",
                attach_invoice=False,
                subject="",
                text="Votre facture n'est pas réglée.",
            ),
        }
    ),
    "billing.reminders.services.reminders_send_due": NotStaffWrite(
        "the daily task; each reminder taken is audited as such"
    ),
    "billing.services.collected.debit_payments_record": NotStaffWrite(
        "a step of debits' batch_generate, which audits"
    ),
    "billing.services.credit_note_create": StaffWrite(
        lambda manager: {
            **issued_invoice(manager),
            "amount": Decimal("2.50"),
            "reason": "Repas non servi",
        }
    ),
    "billing.services.billing_office_save": StaffWrite(office_change),
    "billing.services.billing_office_test_set": StaffWrite(office_test),
    "billing.services.documents.credit_note_document": NotStaffWrite(
        "the stored PDF of a credit note, rendered by a task or on download"
    ),
    "billing.services.documents.invoice_document": NotStaffWrite(
        "the stored PDF of an issued invoice, rendered by a task or on download"
    ),
    "billing.services.payment_record": StaffWrite(
        lambda manager: {
            **issued_invoice(manager),
            "amount": Decimal("5.00"),
            "method": "cheque",
            "received_on": MONDAY,
            "reference": "Chèque 1234567",
        }
    ),
    "billing.services.invoice_run_compute": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "office": BillingOfficeFactory(municipality=manager.municipality),
            "month": datetime.date(2026, 11, 1),
        }
    ),
    "billing.services.invoice_run_issue": StaffWrite(draft_run),
    "billing.services.tariff_save": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "activity": ActivityFactory(municipality=manager.municipality),
            "basis": "bookings",
            "default_price": Decimal("4.50"),
            "surcharge_price": None,
            "brackets": [(Decimal("500"), Decimal("1.20")), (None, Decimal("3.80"))],
        }
    ),
    # debits
    "debits.mandates.services.creditor_save": StaffWrite(creditor_settings),
    "debits.mandates.services.debits_cancel_for_mandate": NotStaffWrite(
        "a step of the services that end a mandate, which audit"
    ),
    "debits.mandates.services.expiry_date": NotStaffWrite("a helper"),
    "debits.mandates.services.mandate_amend": NotStaffWrite("a family changing its account"),
    "debits.mandates.services.mandate_paper_record": StaffWrite(paper_mandate),
    "debits.mandates.services.mandate_reactivate": StaffWrite(
        lambda manager: mandate_of(manager, status="suspended")
    ),
    "debits.mandates.services.mandate_revoke": NotStaffWrite(
        "a family withdrawing its consent; audited as such"
    ),
    "debits.mandates.services.mandate_sign": NotStaffWrite("a family signing online"),
    "debits.mandates.services.mandate_suspend": StaffWrite(mandate_of),
    "debits.mandates.services.mandates_expire": NotStaffWrite("the daily run; audited as such"),
    # bookings
    "bookings.services.attendance.attendance_clear": StaffWrite(attendance_recorded),
    "bookings.services.attendance.attendance_set": StaffWrite(
        lambda manager: {
            **attendance(manager),
            "municipality": manager.municipality,
            "status": "present",
        }
    ),
    "bookings.services.bookings_apply": StaffWrite(staff_booking),
    "bookings.services.bookings_grid_apply": StaffWrite(staff_grid_booking),
    "bookings.services.bookings_mass_apply": NotStaffWrite("a family's bookings for a period"),
    "bookings.services.counters.day_counts_move": NotStaffWrite(
        "the counters of a booking change, inside bookings_apply (which audits staff changes)"
    ),
    "bookings.services.counters.day_counts_take": NotStaffWrite(
        "the counter of a single tick, inside bookings_apply (which audits staff changes)"
    ),
    "bookings.services.counters.day_count_book": NotStaffWrite(
        "a toggle's booking and its counter, inside bookings_apply (which audits staff changes)"
    ),
    "bookings.services.counters.day_count_cancel": NotStaffWrite(
        "a toggle's cancellation and its counter, inside bookings_apply (which audits staff "
        "changes)"
    ),
    "bookings.services.counters.day_counts_release": NotStaffWrite(
        "the counters of a cancellation, inside bookings_apply (which audits staff changes)"
    ),
    "bookings.services.counters.day_counts_rebuild": NotStaffWrite(
        "counters of bookings written in bulk by the demo and the benchmark"
    ),
    "bookings.services.feeds.calendar_feed_get_or_create": NotStaffWrite(
        "a family's calendar address, created on first view"
    ),
    "bookings.services.feeds.calendar_feed_reset": NotStaffWrite(
        "a family renewing its own calendar address; audited as such"
    ),
    "bookings.services.config.activity_create": StaffWrite(
        lambda manager: {
            **{
                key: value
                for key, value in activity_values(manager).items()
                if key not in ("activity",)
            }
        }
    ),
    "bookings.services.config.activity_update": StaffWrite(activity_values),
    "bookings.services.config.booking_settings_update": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "reminders_enabled": True,
            "reminder_hours": 24,
        }
    ),
    "bookings.services.config.closure_add": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "label": "Pont de l'Ascension",
            "department": None,
            "starts_on": datetime.date(2027, 5, 7),
            "ends_on": datetime.date(2027, 5, 7),
        }
    ),
    "bookings.services.config.closure_delete": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "closure": ClosureFactory(municipality=manager.municipality),
        }
    ),
    # documents
    "documents.services.category_add": StaffWrite(
        lambda manager: {"municipality": manager.municipality, "name": "Menus"}
    ),
    "documents.services.category_delete": StaffWrite(
        lambda manager: {"category": CategoryFactory(municipality=manager.municipality)}
    ),
    "documents.services.category_rename": StaffWrite(
        lambda manager: {
            "category": CategoryFactory(municipality=manager.municipality),
            "name": "Menus de la cantine",
        }
    ),
    "documents.services.document_mark_read": NotStaffWrite("a family's read receipt"),
    "documents.services.document_publish": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "category": CategoryFactory(municipality=manager.municipality),
            "title": "Menu de décembre",
            "file": ContentFile(PDF, name="menu.pdf"),
            "published_on": MONDAY,
        }
    ),
    "documents.services.document_withdraw": StaffWrite(
        lambda manager: {"document": DocumentFactory(category__municipality=manager.municipality)}
    ),
    # families
    "families.services.documents.document_add": NotStaffWrite("a family's upload"),
    "families.services.documents.issued_document_add": NotStaffWrite(
        "called inside the issuing service's transaction (a mandate, a tax certificate), "
        "which audits; its own entry is tested in families/tests/test_issued_documents.py"
    ),
    "families.services.documents.document_staff_read": StaffWrite(
        lambda manager: {
            "document": FamilyDocumentFactory(
                household__municipality=manager.municipality, kind="pai"
            )
        }
    ),
    "families.services.records.authorized_person_create": StaffWrite(
        lambda manager: {
            "child": ChildFactory(household__municipality=manager.municipality),
            "values": PersonValues(
                first_name="Paul",
                last_name="Martin",
                phone="06 12 34 56 78",
                relationship="grand-père",
                can_pick_up=True,
                emergency_contact=False,
            ),
        }
    ),
    "families.services.records.authorized_person_delete": StaffWrite(
        lambda manager: {
            "person": AuthorizedPersonFactory(child__household__municipality=manager.municipality)
        }
    ),
    "families.services.records.authorized_person_update": StaffWrite(
        lambda manager: {
            "person": AuthorizedPersonFactory(child__household__municipality=manager.municipality),
            "values": PersonValues(
                first_name="Paula",
                last_name="Martin",
                phone="06 12 34 56 78",
                relationship="grand-mère",
                can_pick_up=True,
                emergency_contact=True,
            ),
        }
    ),
    "families.services.records.child_consents_save": NotStaffWrite("a family's answers"),
    "families.services.records.record_update": StaffWrite(
        lambda manager: {
            "target": HouseholdFactory(municipality=manager.municipality),
            "category": CATEGORIES["household.address"],
            "values": {"address": "2 rue des Lilas", "postal_code": "69001", "city": "Lyon"},
        }
    ),
    "families.services.records.values_apply": NotStaffWrite(
        "writes values on an unsaved record for record_update, which audits"
    ),
    "families.services.signup.signup_submit": NotStaffWrite("a family signing up"),
    "families.services.staff.change_accept": StaffWrite(
        lambda manager: {**pending_change(manager), "message": ""}
    ),
    "families.services.staff.change_refuse": StaffWrite(
        lambda manager: {**pending_change(manager), "message": "Justificatif illisible."}
    ),
    "families.services.staff.consent_create": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "label": "Droit à l'image",
            "description": "",
        }
    ),
    "families.services.staff.consent_delete": StaffWrite(with_consents),
    "families.services.staff.consent_move": StaffWrite(
        lambda manager: {**with_consents(manager), "step": -1}
    ),
    "families.services.staff.consent_update": StaffWrite(
        lambda manager: {
            "consent": ConsentFactory(municipality=manager.municipality, label="Photos"),
            "label": "Droit à l'image",
            "description": "Photos sur le site de la ville.",
        }
    ),
    "families.services.staff.family_settings_save": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "signup_enabled": False,
            "validated": ["household.address"],
        }
    ),
    "families.services.staff.health_reads_record": StaffWrite(
        lambda manager: {"children": [ChildFactory(household__municipality=manager.municipality)]}
    ),
    "families.services.staff.requirement_add": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "department": DepartmentFactory(municipality=manager.municipality),
            "item": "emergency_contact",
            "consent": None,
        }
    ),
    "families.services.staff.requirement_delete": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "requirement": RequirementFactory(department__municipality=manager.municipality),
        }
    ),
    "families.services.staff.signup_accept": StaffWrite(pending_signup),
    "families.services.staff.signup_refuse": StaffWrite(
        lambda manager: {**pending_signup(manager), "message": "Vous n'habitez pas la commune."}
    ),
    # debits
    "debits.collections.services.batch_generate": StaffWrite(scheduled_debit),
    "debits.collections.services.run_debits_schedule": NotStaffWrite(
        "the RUN_ISSUED hook, a step of invoice_run_issue, which audits"
    ),
    # messaging
    "accounts.services.push_notify": NotStaffWrite("queues pushes to a family's browsers"),
    "accounts.services.push_subscription_delete": NotStaffWrite("one's own browser"),
    "accounts.services.push_subscription_save": NotStaffWrite("one's own browser"),
    "messaging.services.conversation_assign": StaffWrite(
        lambda manager: {
            **conversation(manager),
            "agent": AgentFactory(municipality=manager.municipality),
        }
    ),
    "debits.refunds.services.pain_001": NotStaffWrite("builds the bytes of a file; no write"),
    "debits.refunds.services.refund_file_generate": StaffWrite(refund_pending),
    "debits.refunds.services.refund_transfer_create": StaffWrite(refund_holder),
    "debits.returns.services.debit_return_record": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "debit": sent_debit_of(manager),
            "reason_code": "AM04",
            "returned_on": MONDAY,
        }
    ),
    "debits.returns.services.returns_import": StaffWrite(return_file),
    "messaging.services.conversation_mark_read": NotStaffWrite("a read marker"),
    "messaging.services.conversation_close": StaffWrite(conversation),
    "messaging.services.conversation_reopen": StaffWrite(
        lambda manager: {
            "conversation": ConversationFactory(
                household__municipality=manager.municipality, status="closed"
            )
        }
    ),
    "messaging.services.conversation_start": NotStaffWrite("a family writing to a service"),
    "messaging.services.message_post": NotStaffWrite(
        "the message is its own record: author, time, never edited nor deleted"
    ),
    # tenants
    "tenants.services.department_save": StaffWrite(
        lambda manager: {
            "municipality": manager.municipality,
            "department_id": None,
            "values": {
                "name": "Accueil de loisirs",
                "description": "",
                "email": "",
                "phone": "",
                "address": "",
                "opening_hours": "",
            },
        }
    ),
    "treasury.services.settings.imputations_save": StaffWrite(treasury_imputations),
    "treasury.services.settings.treasury_settings_save": StaffWrite(treasury_codes),
    "tenants.services.municipality_create": NotStaffWrite(
        "the platform operator's command, before the municipality has any staff"
    ),
    "tenants.services.municipality_news_save": StaffWrite(
        lambda manager: {"municipality": manager.municipality, "news": "Fermé le 11 novembre."}
    ),
    # treasury
    "treasury.services.pes_export_create": StaffWrite(treasury_export),
    "treasury.services.acquit.pes_acquit_import": StaffWrite(treasury_acquit),
}

# Staff writes that leave no audit entry yet, each fixed on the branch named in its comment.
EXPECTED: set[str] = set()


def public_services() -> dict[str, Callable[..., Any]]:
    """Public functions defined in a `services` module or package of the project."""
    found = {}
    for info in pkgutil.walk_packages(ribambelle.__path__, "ribambelle."):
        parts = info.name.split(".")
        if "services" not in parts or "tests" in parts or "migrations" in parts:
            continue
        module = importlib.import_module(info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                found[f"{info.name.removeprefix('ribambelle.')}.{name}"] = function
    return found


def test_every_service_is_in_the_table():
    found = set(public_services())
    assert sorted(found - SERVICES.keys()) == [], "classify these services in SERVICES"
    assert sorted(SERVICES.keys() - found) == [], "these services no longer exist"
    assert {name for name, kind in SERVICES.items() if isinstance(kind, StaffWrite)} >= EXPECTED


def staff_write_params():
    params = []
    for name, kind in sorted(SERVICES.items()):
        if not isinstance(kind, StaffWrite):
            continue
        marks = []
        if name in EXPECTED:
            marks.append(
                pytest.mark.xfail(strict=True, raises=AssertionError, reason="audited later")
            )
        params.append(pytest.param(name, id=name, marks=marks))
    return params


@pytest.mark.django_db
@pytest.mark.parametrize("name", staff_write_params())
def test_staff_write_leaves_an_audit_entry_by_its_actor(name):
    service = public_services()[name]
    manager = ManagerFactory()
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS), tick=False):
        arguments = SERVICES[name].arguments(manager)
        if "actor" in inspect.signature(service).parameters:
            arguments["actor"] = manager
        seen = set(AuditEntry.objects.values_list("pk", flat=True))
        service(**arguments)
    entries = AuditEntry.objects.exclude(pk__in=seen)
    assert entries.filter(actor=manager, municipality=manager.municipality).exists(), (
        f"{name} called by a manager left no audit entry of theirs"
    )
