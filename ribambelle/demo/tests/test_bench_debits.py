"""The bench's direct debits: 40 % of the households hold a mandate, their invoices of the
issued month are scheduled, and `sepa_batch` builds (and can roll back) their file."""

import io

import pytest
from django.core.management import call_command

from ribambelle.debits.collections import sepa
from ribambelle.debits.models import Debit, DebitBatch, Mandate
from ribambelle.families.models import Household

pytestmark = pytest.mark.django_db


def test_seed_bench_gives_two_households_in_five_a_mandate(tmp_path):
    call_command("seed_bench", households=30, children=48, stdout=io.StringIO())
    assert Household.objects.filter(municipality__slug="bench").count() == 30
    assert Mandate.objects.filter(status=Mandate.Status.ACTIVE).count() == 12
    scheduled = Debit.objects.filter(status=Debit.Status.SCHEDULED)
    assert 0 < scheduled.count() <= 12
    output = tmp_path / "bench.xml"
    out = io.StringIO()
    call_command(
        "sepa_batch",
        "--municipality=bench",
        f"--output={output}",
        "--measure",
        "--rollback",
        stdout=out,
    )
    assert f"{scheduled.count()} debits" in out.getvalue()
    sepa.validate(output.read_bytes(), sepa.PAIN_008_001_02)
    assert not DebitBatch.objects.exists()
    call_command("seed_bench", households=30, children=48, force=True, stdout=io.StringIO())
    assert Mandate.objects.count() == 12
