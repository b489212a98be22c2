"""The demo's treasury: the office set up for Hélios, one bordereau sent, whose file passes the
structural check with the invoice's PDF attached; seeding twice sends nothing more."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from ribambelle.bookings.rules import PARIS
from ribambelle.treasury.models import PesExport, PesPiece
from ribambelle.treasury.pes.check import check_pes

pytestmark = pytest.mark.django_db


def test_the_demo_sends_one_bordereau():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)):
        call_command("seed_demo", stdout=io.StringIO())
        call_command("seed_demo", stdout=io.StringIO())
    export = PesExport.objects.get()
    assert export.count == PesPiece.objects.count() >= 1
    with export.file.open("rb") as stream:
        report = check_pes(stream)
    assert report.errors == []
    assert report.total == export.total and report.attachments == export.count
    piece = PesPiece.objects.select_related("invoice").get()
    assert piece.invoice.collection == "treasury" and piece.reference
