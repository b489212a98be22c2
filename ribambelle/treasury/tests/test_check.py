"""The structural check of PES files: a file the writer produces passes; each broken variant
of it (a table of mutations) is caught, with a message that says where."""

import base64
import datetime
import gzip
import io
import os
import tracemalloc
from decimal import Decimal

import pytest
from lxml import etree

from ribambelle.treasury.pes.check import check_pes
from ribambelle.treasury.pes.writer import Debtor, Header, Line, Piece, write_pes
from ribambelle.treasury.tests.factories import small_pdf

HEADER = Header(
    file_name="PES_123_2026_000007.xml",
    produced_on=datetime.date(2026, 12, 20),
    post_code="069001",
    siret="21690123400019",
    collectivity_code="123",
    budget_code="01",
    label="Régie enfance",
    year=2026,
    bordereau=7,
    count=2,
    total=Decimal("30.10"),
    cumulative=Decimal("130.10"),
    title_object="Restauration scolaire et accueil périscolaire",
)
DEBTOR = Debtor("MME", "Œrsted-Müller", "Zoë", "12 rue de l’Église", "69001", "Lyon")


def pieces():
    return [
        Piece(
            number=41,
            invoice_id=1,
            invoice_number="F-2026-000001",
            period_start=datetime.date(2026, 11, 1),
            period_end=datetime.date(2026, 11, 30),
            lines=[Line("7067", "251", "Restauration scolaire", Decimal("13.50"))],
            debtor=DEBTOR,
            attachment_id="2026-7-41",
            attachment_name="facture-F-2026-000001.pdf",
            keys=(4, "K"),
        ),
        Piece(
            number=42,
            invoice_id=2,
            invoice_number="F-2026-000002",
            period_start=datetime.date(2026, 11, 1),
            period_end=datetime.date(2026, 11, 30),
            lines=[
                Line("7067", "251", "Restauration scolaire", Decimal("9.20")),
                Line("7066", "421", "Garderie du soir", Decimal("7.40")),
            ],
            debtor=Debtor("", "Foyer Petit", "", "", "", ""),
            attachment_id="2026-7-42",
            attachment_name="facture-F-2026-000002.pdf",
        ),
    ]


def generated() -> bytes:
    stream = io.BytesIO()
    pdf = small_pdf()
    write_pes(stream, HEADER, pieces, lambda piece: pdf)
    return stream.getvalue()


def errors_of(data: bytes) -> list[str]:
    return check_pes(io.BytesIO(data)).errors


def test_a_generated_file_passes():
    report = check_pes(io.BytesIO(generated()))
    assert report.errors == []
    assert (report.pieces, report.total, report.attachments) == (2, Decimal("30.10"), 2)


def test_the_file_is_iso_8859_1_and_keeps_what_it_can():
    data = generated()
    assert data.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    text = data.decode("latin-1")
    assert 'V="OERSTED-MÜLLER"' in text and 'V="ZOË"' in text
    assert "12 RUE DE L'ÉGLISE" in text


def _set(path, attribute, value):
    def mutate(root):
        root.find(path).set(attribute, value)

    return mutate


def _remove(path):
    def mutate(root):
        element = root.find(path)
        element.getparent().remove(element)

    return mutate


def _swap(path_a, path_b):
    def mutate(root):
        first, second = root.find(path_a), root.find(path_b)
        first.addprevious(second)

    return mutate


def _content(path, data: bytes):
    def mutate(root):
        root.find(path).text = base64.b64encode(gzip.compress(data)).decode()

    return mutate


def _text(path, value):
    def mutate(root):
        root.find(path).text = value

    return mutate


BORD = "PES_RecetteAller/Bordereau"
PIECE = f"{BORD}/Piece"
LINE = f"{PIECE}/LigneDePiece/BlocLignePiece/InfoLignePiece"
PJ = "PES_PJ/PJ"
MUTATIONS = [
    ("SIRET of 13 digits", _set("EnTetePES/IdColl", "V", "2169012340001"), "IdColl"),
    ("date not ISO", _set("EnTetePES/DteStr", "V", "20/12/2026"), "ISO date"),
    ("amount with 1 decimal", _set(f"{LINE}/MtHT", "V", "13.5"), "2 decimals"),
    ("NbrPce wrong", _set(f"{BORD}/BlocBordereau/NbrPce", "V", "3"), "NbrPce 3 for 2"),
    ("bordereau total wrong", _set(f"{BORD}/BlocBordereau/MtBordHt", "V", "30.00"), "MtBordHt"),
    ("line amount changed", _set(f"{LINE}/MtHT", "V", "13.60"), "MtBordHt"),
    ("header missing", _remove("EnTetePES"), "0 <EnTetePES>"),
    ("IdPce missing", _remove(f"{PIECE}/BlocPiece/IdPce"), "0 <IdPce>"),
    ("Tiers missing", _remove(f"{PIECE}/LigneDePiece/Tiers"), "0 <Tiers>"),
    ("blocks out of order", _swap("Enveloppe", "EnTetePES"), "misplaced <Enveloppe>"),
    ("unknown element", lambda root: etree.SubElement(root.find("EnTetePES"), "Foo"), "<Foo>"),
    ("name too long", _set(f"{PIECE}/LigneDePiece/Tiers/InfoTiers/Nom", "V", "X" * 39), "38"),
    ("CodCol of 4", _set("EnTetePES/CodCol", "V", "1234"), "CodCol"),
    ("dangling PJRef", _set(f"{PIECE}/BlocPiece/PJRef/IdUnique", "V", "nope"), "has no PJ"),
    ("duplicate IdPce", _set(f"{PIECE}[2]/BlocPiece/IdPce", "V", "41"), "IdPce given twice"),
    ("PJ not base64", _text(f"{PJ}/Contenu/Fichier", "%%%"), "not base64"),
    ("PJ not a PDF", _content(f"{PJ}/Contenu/Fichier", b"GIF89a"), "not a PDF"),
    ("PJ broken PDF", _content(f"{PJ}/Contenu/Fichier", b"%PDF-1.4 garbage"), "does not open"),
    ("wrong MIME type", _set(f"{PJ}/Contenu/Fichier", "MIMEType", "image/png"), "MIMEType"),
    ("version not 2", _set("PES_RecetteAller/EnTeteRecette/IdVer", "V", "1"), "IdVer"),
    ("no V attribute", lambda root: root.find("EnTetePES/CodBud").attrib.clear(), "no V"),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(mutate, expected, id=name) for name, mutate, expected in MUTATIONS],
)
def test_a_broken_file_is_caught(mutate, expected):
    root = etree.fromstring(generated())
    mutate(root)
    data = etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1")
    errors = errors_of(data)
    assert any(expected in error for error in errors), errors


def test_another_encoding_is_caught():
    root = etree.fromstring(generated())
    errors = errors_of(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert any("ISO-8859-1" in error for error in errors)


def test_a_file_that_is_not_xml_is_caught():
    assert any("well-formed" in error for error in errors_of(generated()[:-40]))


def test_the_writer_holds_one_pdf_at_a_time(tmp_path):
    """200 PDFs of 200 KB (40 MB) go through the writer; its memory stays near one of them."""
    template = pieces()[1]
    many = [
        Piece(**{**template.__dict__, "number": number, "attachment_id": f"2026-7-{number}"})
        for number in range(1, 201)
    ]
    header = Header(**{**HEADER.__dict__, "count": 200, "total": Decimal("3320.00")})
    tracemalloc.start()
    try:
        write_pes(
            str(tmp_path / "pes.xml"),
            header,
            lambda: iter(many),
            lambda piece: b"%PDF-1.4\n" + os.urandom(200_000),
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (tmp_path / "pes.xml").stat().st_size > 40_000_000
    assert peak < 3_000_000
