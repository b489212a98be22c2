"""The treasury bench runs end to end on a small run: the export, its memory and the check."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_treasury_bench_runs(settings):
    out = io.StringIO()
    call_command("bench_treasury", invoices=5, check=True, stdout=out)
    assert "5 invoices seeded" in out.getvalue()
    assert "structural check passed" in out.getvalue()
