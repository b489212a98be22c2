"""Bench of the treasury export: an issued run of N invoices (5,000 by default), each with its
stored PDF (one real invoice rendered once, then stored N times: the export reads N files, as in
production), sent to the treasury once for the time, then again under tracemalloc for the peak
of Python memory, which must not grow with N (the file is streamed, one PDF at a time)."""

import datetime
import time
import tracemalloc
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction

from ribambelle.billing import pdf
from ribambelle.billing.models import BillingOffice, Invoice, InvoiceLine, InvoiceRun
from ribambelle.bookings.models import Activity
from ribambelle.core.files import PDF, store_private_file
from ribambelle.families.models import Household
from ribambelle.tenants.models import Department, Municipality
from ribambelle.treasury import services
from ribambelle.treasury.models import (
    Imputation,
    PesExport,
    PesPiece,
    PesSequence,
    TreasurySettings,
)
from ribambelle.treasury.pes.check import check_pes

MONTH = datetime.date(2026, 11, 1)


@dataclass
class TreasuryBench:
    invoices: int
    seed_seconds: float
    export_seconds: float
    export_cpu: float  # this process's CPU time: what a loaded machine does not inflate
    peak_mb: float
    file_mb: float
    check_seconds: float | None
    errors: list[str]


@transaction.atomic
def seed_run(municipality: Municipality, count: int) -> tuple[BillingOffice, InvoiceRun]:
    department = Department.objects.create(municipality=municipality, name="Restauration")
    activity = Activity.objects.create(
        municipality=municipality,
        department=department,
        name="Restauration scolaire",
        unit=Activity.Unit.MEAL,
        weekdays="0134",
        starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2027, 7, 4),
        book_days=2,
        book_time=datetime.time(23, 59),
        cancel_days=2,
        cancel_time=datetime.time(23, 59),
    )
    office = BillingOffice.objects.create(
        municipality=municipality, name="Régie enfance", siret="21690123400019"
    )
    office.departments.add(department)
    TreasurySettings.objects.create(
        municipality=municipality,
        office=office,
        collectivity_code="123",
        budget_code="01",
        post_code="069001",
        title_object="Restauration scolaire",
        payfip=True,
    )
    Imputation.objects.create(
        municipality=municipality, office=office, activity=activity, nature="7067", function="251"
    )
    run = InvoiceRun.objects.create(
        municipality=municipality, office=office, month=MONTH, status=InvoiceRun.Status.ISSUED
    )
    households = Household.objects.bulk_create(
        Household(municipality=municipality, name=f"Foyer Banc {index:05d}")
        for index in range(count)
    )
    invoices = Invoice.objects.bulk_create(
        Invoice(
            municipality=municipality,
            office=office,
            run=run,
            household=household,
            status=Invoice.Status.ISSUED,
            number=f"F-2026-{index + 1:06d}",
            period_start=MONTH,
            period_end=datetime.date(2026, 11, 30),
            issued_on=datetime.date(2026, 12, 1),
            due_on=datetime.date(2026, 12, 16),
            total=Decimal("41.40"),
            household_name=household.name,
            household_address=f"{index + 1} rue des Écoles\n69001 Lyon",
        )
        for index, household in enumerate(households)
    )
    InvoiceLine.objects.bulk_create(
        (
            InvoiceLine(
                invoice=invoice,
                activity=activity,
                child_name="Enfant",
                label="Restauration scolaire",
                quantity=9,
                unit_price=Decimal("4.60"),
                amount=Decimal("41.40"),
            )
            for invoice in invoices
        ),
        batch_size=2000,
    )
    document = pdf.invoice_pdf(invoices[0])
    for invoice in invoices:
        invoice.pdf.name = store_private_file(invoice.pdf, ContentFile(document), PDF)
    Invoice.objects.bulk_update(invoices, ["pdf"], batch_size=2000)
    return office, run


def _undo(export: PesExport) -> None:
    """Put the invoices back as they were, so that the same run can be sent again."""
    Invoice.objects.filter(pes_piece__export=export).update(
        collection="", collection_on=None, collection_detail=""
    )
    PesPiece.objects.filter(export=export).delete()
    export.file.delete(save=False)
    export.delete()
    PesSequence.objects.filter(office=export.office).delete()


def bench_treasury(municipality: Municipality, count: int, *, check: bool) -> TreasuryBench:
    started = time.perf_counter()
    office, run = seed_run(municipality, count)
    seeded = time.perf_counter() - started

    def send() -> PesExport:
        return services.pes_export_create(
            municipality=municipality,
            office=office,
            source_kind=PesExport.Source.RUN,
            run=run,
            actor=None,
        )

    started, cpu = time.perf_counter(), time.process_time()
    export = send()
    export_seconds = time.perf_counter() - started
    export_cpu = time.process_time() - cpu
    _undo(export)
    tracemalloc.start()
    export = send()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    check_seconds, errors = None, []
    if check:
        started = time.perf_counter()
        with export.file.open("rb") as stream:
            report = check_pes(stream)
        check_seconds, errors = time.perf_counter() - started, report.errors
        if report.total != export.total or report.attachments != count:
            errors.append(f"check saw {report.total} € and {report.attachments} PJ")
    return TreasuryBench(
        invoices=export.count,
        seed_seconds=seeded,
        export_seconds=export_seconds,
        export_cpu=export_cpu,
        peak_mb=peak / 2**20,
        file_mb=export.file.size / 2**20,
        check_seconds=check_seconds,
        errors=errors,
    )
