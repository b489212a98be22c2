"""manage.py sepa_batch: the defaults (first office, next date), the same file twice."""

import pytest
from django.core.management import CommandError, call_command

from ribambelle.debits.collections import sepa
from ribambelle.debits.models import Debit, DebitBatch
from ribambelle.debits.tests.conftest import issue

pytestmark = pytest.mark.django_db


def test_the_command_writes_the_next_date_s_file(office_a, mandated, tmp_path, capsys):
    issue(office_a, ["12.50", "30.00", "7.25"], mandates=mandated)
    output = tmp_path / "batch.xml"
    call_command("sepa_batch", "--municipality", "ville-a", "--output", str(output))
    printed = capsys.readouterr().out
    assert "2026-12-10" in printed and "3 debits, 49.75 EUR" in printed
    data = output.read_bytes()
    sepa.validate(data, sepa.PAIN_008_001_02)
    again = tmp_path / "again.xml"
    call_command(
        "sepa_batch",
        "--municipality=ville-a",
        f"--office={office_a.pk}",
        "--date=2026-12-10",
        f"--output={again}",
        "--measure",
    )
    assert again.read_bytes() == data
    assert "generated and validated in" in capsys.readouterr().out
    assert DebitBatch.objects.count() == 1


def test_nothing_to_collect(office_a, creditor_a, tmp_path):
    with pytest.raises(CommandError, match="no debit"):
        call_command("sepa_batch", "--municipality=ville-a", f"--output={tmp_path / 'x.xml'}")
    with pytest.raises(CommandError, match="no municipality"):
        call_command("sepa_batch", "--municipality=nowhere", f"--output={tmp_path / 'x.xml'}")


def test_rollback_leaves_the_debits_scheduled(office_a, mandated, tmp_path, capsys):
    issue(office_a, ["12.50"], mandates=mandated)
    output = tmp_path / "batch.xml"
    call_command(
        "sepa_batch", "--municipality=ville-a", f"--output={output}", "--measure", "--rollback"
    )
    sepa.validate(output.read_bytes(), sepa.PAIN_008_001_02)
    assert not DebitBatch.objects.exists()
    assert Debit.objects.get().status == Debit.Status.SCHEDULED
