"""The treasury's acknowledgement: per pièce accepted or rejected with its reason, the whole
bordereau at once, a file for another bordereau refused, and the same file twice changes
nothing."""

import pytest

from ribambelle.treasury import services
from ribambelle.treasury.models import PesExport, PesPiece
from ribambelle.treasury.pes.acquit import AcquitError, parse_acquit
from ribambelle.treasury.services.acquit import pes_acquit_import
from ribambelle.treasury.tests.test_export import export_run


def acquit(year, bordereau, elements) -> bytes:
    """A PES_Acquit: `elements` are (pièce or "", accepted, reason)."""
    rows = []
    for piece, accepted, reason in elements:
        error = (
            f'<Erreur><NumAnoAck V="125"/><LibelleAnoAck V="{reason}"/></Erreur>' if reason else ""
        )
        number = f'<NumPiece V="{piece}"/>' if piece else ""
        rows.append(
            f'<ElementACQUIT><DomaineAck V="02"/><ExerciceBord V="{year}"/>'
            f'<NumBord V="{bordereau}"/>{number}<EtatAck V="{1 if accepted else 0}"/>'
            f"{error}</ElementACQUIT>"
        )
    return (
        '<?xml version="1.0" encoding="ISO-8859-1"?>'
        '<n:PES_Acquit xmlns:n="http://www.minefi.gouv.fr/cp/helios/pes/Rev0/aller">'
        '<Enveloppe><Parametres><Version V="2"/><TypFic V="2"/><NomFic V="PES.xml"/>'
        f"</Parametres></Enveloppe><ACQUIT>{''.join(rows)}</ACQUIT></n:PES_Acquit>"
    ).encode("latin-1")


def test_parsing_reads_each_element():
    found = parse_acquit(acquit(2027, 1, [("", True, ""), ("2", False, "Tiers inconnu")]))
    assert [(item.piece, item.accepted, item.message) for item in found] == [
        ("", True, ""),
        ("2", False, "125 : Tiers inconnu"),
    ]


@pytest.mark.parametrize(
    "content",
    [b"<html/>", b"not xml", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'],
)
def test_parsing_refuses_what_is_not_an_acquit(content):
    with pytest.raises(AcquitError):
        parse_acquit(content)


@pytest.fixture
def export_a(municipality_a, treasury_office, run_invoices, manager_a):
    return export_run(municipality_a, treasury_office, run_invoices[0].run, manager_a)


def states():
    return list(PesPiece.objects.order_by("number").values_list("status", "message"))


@pytest.mark.django_db
def test_a_rejected_piece_is_recorded_once(municipality_a, export_a, manager_a):
    content = acquit(2027, 1, [("", True, ""), ("2", False, "Tiers inconnu")])
    first = pes_acquit_import(
        municipality=municipality_a, export=export_a, content=content, actor=manager_a
    )
    assert (first.accepted, first.rejected, first.changed) == (2, 1, 3)
    assert states() == [
        ("accepted", ""),
        ("rejected", "125 : Tiers inconnu"),
        ("accepted", ""),
    ]
    export_a.refresh_from_db()
    assert export_a.status == PesExport.Status.REJECTED
    again = pes_acquit_import(
        municipality=municipality_a, export=export_a, content=content, actor=manager_a
    )
    assert (again.accepted, again.rejected, again.changed) == (2, 1, 0)


@pytest.mark.django_db
def test_a_whole_bordereau_accepted(municipality_a, export_a, manager_a):
    pes_acquit_import(
        municipality=municipality_a,
        export=export_a,
        content=acquit(2027, "0000001", [("", True, "")]),
        actor=manager_a,
    )
    export_a.refresh_from_db()
    assert export_a.status == PesExport.Status.ACKNOWLEDGED
    assert {status for status, _message in states()} == {"accepted"}


@pytest.mark.django_db
def test_an_acquit_of_another_bordereau_is_refused(municipality_a, export_a, manager_a):
    with pytest.raises(services.TreasuryError, match="bordereau N° 1 de 2027"):
        pes_acquit_import(
            municipality=municipality_a,
            export=export_a,
            content=acquit(2027, 2, [("", True, "")]),
            actor=manager_a,
        )
    assert {status for status, _message in states()} == {"sent"}
