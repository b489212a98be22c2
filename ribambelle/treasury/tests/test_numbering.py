"""Bordereau and pièce numbers: per office and year, without gaps, even when two exports of
the same office run at once (PostgreSQL, where transactions run in parallel)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from ribambelle.billing.tests.factories import InvoiceFactory
from ribambelle.bookings.tests.factories import ActivityFactory
from ribambelle.treasury import services
from ribambelle.treasury.models import PesExport, PesPiece
from ribambelle.treasury.tests.factories import (
    ImputationFactory,
    TreasurySettingsFactory,
    invoice_with_pdf,
)

MONTHS = [datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)]


def office_with_runs(municipality, per_run):
    settings = TreasurySettingsFactory(office__municipality=municipality)
    office = settings.office
    activity = ActivityFactory(municipality=municipality)
    ImputationFactory(office=office, activity=activity)
    runs = []
    for month in MONTHS:
        for _index in range(per_run):
            invoice = InvoiceFactory(
                office=office,
                period_start=month,
                period_end=month.replace(day=28),
                total=Decimal("4.60"),
            )
            invoice_with_pdf(invoice, lines=[(activity, "Restauration scolaire", "4.60")])
        runs.append(invoice.run)
    return office, runs


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="parallel transactions need PostgreSQL"
)
def test_two_exports_in_parallel_share_gapless_numbers(municipality_a, manager_a):
    office, runs = office_with_runs(municipality_a, 12)
    barrier = threading.Barrier(len(runs))
    errors = []

    def export(run):
        try:
            barrier.wait()
            services.pes_export_create(
                municipality=municipality_a,
                office=office,
                source_kind=PesExport.Source.RUN,
                run=run,
                actor=manager_a,
            )
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=export, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(PesExport.objects.values_list("bordereau", flat=True)) == [1, 2]
    assert sorted(PesPiece.objects.values_list("number", flat=True)) == list(range(1, 25))
    for export in PesExport.objects.all():
        numbers = sorted(export.pieces.values_list("number", flat=True))
        assert numbers == list(range(numbers[0], numbers[0] + 12))


@pytest.mark.django_db
def test_numbers_continue_across_exports(municipality_a, manager_a):
    office, runs = office_with_runs(municipality_a, 2)
    for run in runs:
        services.pes_export_create(
            municipality=municipality_a,
            office=office,
            source_kind=PesExport.Source.RUN,
            run=run,
            actor=manager_a,
        )
    assert list(PesExport.objects.order_by("bordereau").values_list("bordereau", "count")) == [
        (1, 2),
        (2, 2),
    ]
    assert sorted(PesPiece.objects.values_list("number", flat=True)) == [1, 2, 3, 4]
    cumulative = PesExport.objects.order_by("bordereau").values_list("total", flat=True)
    assert list(cumulative) == [Decimal("9.20"), Decimal("9.20")]
