"""Invoice numbers: sequential per municipality and year, no gap and no duplicate, even when
two offices issue their runs at the same time (PostgreSQL, where transactions run in
parallel), and a run that fails half-way leaves nothing behind."""

import datetime
import threading
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection, connections

from ribambelle.billing import selectors, services
from ribambelle.billing.models import Invoice, InvoiceRun
from ribambelle.billing.tests.conftest import NOVEMBER
from ribambelle.billing.tests.factories import BillingOfficeFactory, TariffFactory
from ribambelle.bookings.tests.conftest import make_activity
from ribambelle.bookings.tests.factories import BookingFactory
from ribambelle.families.tests.factories import ChildFactory, HouseholdFactory
from ribambelle.tenants.tests.factories import DepartmentFactory


def _office_with_families(municipality, name, families):
    department = DepartmentFactory(municipality=municipality, name=f"Service {name}")
    office = BillingOfficeFactory(municipality=municipality, name=name, departments=[department])
    activity = make_activity(municipality, department, f"Activité {name}")
    TariffFactory(activity=activity, default_price=Decimal("3.00"))
    for index in range(families):
        household = HouseholdFactory(municipality=municipality, name=f"{name} {index}")
        child = ChildFactory(
            household=household,
            first_name="Enfant",
            last_name=str(index),
            birth_date=datetime.date(2018, 1, 1),
        )
        BookingFactory(child=child, activity=activity, date=datetime.date(2026, 11, 2))
    return office


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="parallel transactions need PostgreSQL"
)
def test_two_runs_issued_in_parallel_share_one_gapless_sequence(municipality_a, agent_a):
    offices = [_office_with_families(municipality_a, name, 15) for name in ("Nord", "Sud")]
    runs = [
        services.invoice_run_compute(
            municipality=municipality_a, office=office, month=NOVEMBER, actor=agent_a
        )
        for office in offices
    ]
    barrier = threading.Barrier(len(runs))
    errors = []

    def issue(run):
        try:
            barrier.wait()
            services.invoice_run_issue(municipality=municipality_a, run=run, actor=agent_a)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    year = datetime.date.today().year
    assert numbers == [f"F-{year}-{n:06d}" for n in range(1, 31)]


@pytest.mark.django_db
def test_a_run_failing_half_way_leaves_no_invoice(municipality_a, agent_a, monkeypatch):
    office = _office_with_families(municipality_a, "Est", 3)
    monkeypatch.setattr(selectors, "HOUSEHOLDS_PER_CHUNK", 1)
    real = selectors.billables
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disque plein")
        return real(*args, **kwargs)

    with mock.patch.object(selectors, "billables", failing), pytest.raises(RuntimeError):
        services.invoice_run_compute(
            municipality=municipality_a, office=office, month=NOVEMBER, actor=agent_a
        )
    assert not Invoice.objects.exists()
    assert not InvoiceRun.objects.exists()


@pytest.mark.django_db
def test_numbers_continue_across_runs_and_restart_each_year(municipality_a, agent_a):
    first = _office_with_families(municipality_a, "Ouest", 2)
    run = services.invoice_run_compute(
        municipality=municipality_a, office=first, month=NOVEMBER, actor=agent_a
    )
    services.invoice_run_issue(municipality=municipality_a, run=run, actor=agent_a)
    second = _office_with_families(municipality_a, "Centre", 1)
    run = services.invoice_run_compute(
        municipality=municipality_a, office=second, month=NOVEMBER, actor=agent_a
    )
    services.invoice_run_issue(municipality=municipality_a, run=run, actor=agent_a)
    year = datetime.date.today().year
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        f"F-{year}-000001",
        f"F-{year}-000002",
        f"F-{year}-000003",
    ]


@pytest.mark.django_db
def test_issuing_numbers_in_name_order_and_copies_the_household(
    municipality_a, agent_a, django_capture_on_commit_callbacks
):
    """One set-based statement numbers the run in the households' order of names (their id
    breaking ties), pads as format_number does (never cutting a seventh digit) and copies each
    household's name and postal address as postal_address writes it, whatever is blank."""
    from ribambelle.billing import rules
    from ribambelle.billing.models import NumberSequence
    from ribambelle.families.models import Household

    office = _office_with_families(municipality_a, "Est", 4)
    addresses = {
        "Est 0": ("3 rue Haute", "69001", "Lyon"),
        "Est 1": ("", "", "Lyon"),
        "Est 2": ("Chemin du Moulin", "", ""),
        "Est 3": ("", "", ""),
    }
    for name, (street, postal_code, city) in addresses.items():
        Household.objects.filter(municipality=municipality_a, name=name).update(
            address=street, postal_code=postal_code, city=city
        )
    # Renamed after the drafts were computed: the issue reads the name of the day.
    Household.objects.filter(municipality=municipality_a, name="Est 0").update(name="Zed")
    run = services.invoice_run_compute(
        municipality=municipality_a, office=office, month=NOVEMBER, actor=agent_a
    )
    Household.objects.filter(municipality=municipality_a, name="Zed").update(name="Est 9")
    year = datetime.date.today().year
    NumberSequence.objects.create(
        municipality=municipality_a, kind=NumberSequence.Kind.INVOICE, year=year, last=999_997
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.invoice_run_issue(municipality=municipality_a, run=run, actor=agent_a)
    assert len(callbacks) == 1  # one fan-out task, whatever the number of invoices
    issued = sorted(
        Invoice.objects.filter(run=run).values_list(
            "number", "household_name", "household_address", "status", "issued_on"
        ),
        key=lambda row: (len(row[0]), row[0]),
    )
    today = datetime.date.today()
    expected_order = ["Est 1", "Est 2", "Est 3", "Est 9"]
    original = {"Est 9": "Est 0"}
    assert issued == [
        (
            rules.format_number("F", year, 999_998 + index),
            name,
            rules.postal_address(*addresses[original.get(name, name)]),
            "issued",
            today,
        )
        for index, name in enumerate(expected_order)
    ]
    assert issued[-1][0] == f"F-{year}-1000001"
