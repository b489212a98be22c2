"""The PES V2 export of an issued run: the file passes the structural check, its totals are the
invoices', each invoice's PDF is attached, the invoices are marked and cannot go twice."""

import base64
import datetime
import gzip
from decimal import Decimal

import pytest
import time_machine
from lxml import etree

from ribambelle.billing.models import Invoice
from ribambelle.core.models import AuditEntry
from ribambelle.treasury import services
from ribambelle.treasury.models import Imputation, PesExport, PesPiece
from ribambelle.treasury.pes.check import check_pes
from ribambelle.treasury.tests.factories import ImputationFactory

TODAY = datetime.datetime(2027, 1, 10, 9, 0, tzinfo=datetime.UTC)


def export_run(municipality, office, run, actor):
    with time_machine.travel(TODAY, tick=False):
        return services.pes_export_create(
            municipality=municipality,
            office=office,
            source_kind=PesExport.Source.RUN,
            run=run,
            actor=actor,
        )


@pytest.mark.django_db
def test_the_export_of_a_run_passes_the_check_and_adds_up(
    municipality_a, treasury_office, run_invoices, manager_a
):
    export = export_run(municipality_a, treasury_office, run_invoices[0].run, manager_a)
    with export.file.open("rb") as stream:
        report = check_pes(stream)
    assert report.errors == []
    due = sum(invoice.due for invoice in run_invoices)
    assert due == Decimal("43.30")
    assert (export.count, export.total, report.pieces, report.total) == (3, due, 3, due)
    assert report.attachments == 3
    assert (export.year, export.bordereau) == (2027, 1)
    assert list(PesPiece.objects.order_by("number").values_list("number", flat=True)) == [1, 2, 3]
    entry = AuditEntry.objects.get(actor=manager_a, target_id=export.pk)
    assert entry.after["pieces"] == 3 and entry.after["sha256"] == export.sha256


@pytest.mark.django_db
def test_each_pdf_is_attached_and_the_invoices_are_marked(
    municipality_a, treasury_office, run_invoices, manager_a
):
    export = export_run(municipality_a, treasury_office, run_invoices[0].run, manager_a)
    with export.file.open("rb") as stream:
        tree = etree.parse(stream)
    assert tree.docinfo.encoding == "ISO-8859-1"
    attached = {
        pj.find("NomPJ").get("V"): gzip.decompress(base64.b64decode(pj.findtext("Contenu/Fichier")))
        for pj in tree.iter("PJ")
    }
    for invoice in run_invoices:
        with invoice.pdf.open("rb") as stream:
            assert attached[f"facture-{invoice.number}.pdf"] == stream.read()
        invoice.refresh_from_db()
        assert invoice.collection == Invoice.Collection.TREASURY
        assert invoice.collection_on == datetime.date(2027, 1, 10)
        assert invoice.collection_detail.startswith("Bordereau N° 1 pièce ")
    names = [node.get("V") for node in tree.iter("Nom")]
    assert "MARTIN" in names and "ZOE" not in names


@pytest.mark.django_db
def test_exporting_twice_is_refused(municipality_a, treasury_office, run_invoices, manager_a):
    run = run_invoices[0].run
    export_run(municipality_a, treasury_office, run, manager_a)
    with pytest.raises(services.TreasuryError, match="Aucune facture"):
        export_run(municipality_a, treasury_office, run, manager_a)
    assert PesExport.objects.count() == 1


@pytest.mark.django_db
def test_invoices_in_a_debit_or_paid_are_not_sent(
    municipality_a, treasury_office, run_invoices, manager_a
):
    debit, paid, sent = run_invoices
    Invoice.objects.filter(pk=debit.pk).update(collection=Invoice.Collection.DEBIT)
    Invoice.objects.filter(pk=paid.pk).update(paid=paid.total)
    export = export_run(municipality_a, treasury_office, sent.run, manager_a)
    assert list(export.pieces.values_list("invoice", flat=True)) == [sent.pk]


@pytest.mark.django_db
def test_an_activity_without_imputation_is_refused(
    municipality_a, treasury_office, run_invoices, manager_a
):
    Imputation.objects.all().delete()
    with pytest.raises(services.TreasuryError, match="Imputation budgétaire manquante"):
        export_run(municipality_a, treasury_office, run_invoices[0].run, manager_a)
    assert not PesExport.objects.exists()
    assert not Invoice.objects.filter(collection="treasury").exists()


@pytest.mark.django_db
def test_an_activity_imputation_comes_before_its_department(
    municipality_a, treasury_office, run_invoices, manager_a, canteen
):
    ImputationFactory(office=treasury_office, activity=canteen, nature="7062", function="")
    export = export_run(municipality_a, treasury_office, run_invoices[0].run, manager_a)
    with export.file.open("rb") as stream:
        tree = etree.parse(stream)
    assert {node.get("V") for node in tree.iter("Nature")} == {"7062"}
    assert not list(tree.iter("Fonction"))
