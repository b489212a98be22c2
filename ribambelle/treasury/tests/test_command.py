"""manage.py pes_export: the last issued run of the only office by default, the file written
where asked, the number of pièces and the total printed; a second run refuses."""

import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from ribambelle.treasury.pes.check import check_pes
from ribambelle.treasury.tests.test_export import TODAY


@pytest.mark.django_db
def test_the_command_writes_the_file_and_prints_the_totals(run_invoices, tmp_path):
    output = tmp_path / "pes.xml"
    out = io.StringIO()
    with time_machine.travel(TODAY, tick=False):
        call_command("pes_export", municipality="ville-a", output=str(output), stdout=out)
    assert "3 pièces" in out.getvalue() and "43,30 €" in out.getvalue()
    assert check_pes(str(output)).errors == []
    with pytest.raises(CommandError, match="Aucune facture"):
        call_command("pes_export", municipality="ville-a", output=str(output), stdout=out)


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_municipality(tmp_path):
    with pytest.raises(CommandError, match="No municipality"):
        call_command("pes_export", municipality="nulle-part", output=str(tmp_path / "x.xml"))
