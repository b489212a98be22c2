"""Writes of the treasury export: a bordereau of titles for Hélios (PES V2), numbered without
gaps per office and year, its invoices marked as sent in the same transaction, the file
written as a stream and stored. An export is never changed afterwards (invariant 11)."""

import hashlib
import tempfile
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.accounts.models import User
from ribambelle.billing.models import BillingOffice, Invoice, InvoiceRun
from ribambelle.core.audit import audit_record
from ribambelle.core.models import AuditEntry
from ribambelle.tenants.models import Municipality
from ribambelle.treasury import rules, selectors
from ribambelle.treasury.models import PesExport, PesPiece, PesSequence, TreasurySettings
from ribambelle.treasury.pes import source
from ribambelle.treasury.pes.writer import Header, write_pes

CHUNK = 1000


class TreasuryError(Exception):
    """A refused treasury action; the message is in French for the staff."""


def _next_numbers(office: BillingOffice, kind: str, year: int, count: int) -> range:
    """Reserve `count` consecutive numbers: the sequence row stays locked until the transaction
    ends, so a concurrent export of the office waits and continues after them."""
    sequence, _created = PesSequence.objects.select_for_update().get_or_create(
        office=office, kind=kind, year=year, defaults={"municipality_id": office.municipality_id}
    )
    first = sequence.last + 1
    sequence.last += count
    sequence.save(update_fields=["last"])
    return range(first, first + count)


def _settings(office: BillingOffice) -> TreasurySettings:
    settings = selectors.settings_of(office)
    if settings is None:
        raise TreasuryError(
            _("Renseignez d'abord les paramètres Trésor public de la régie %(office)s.")
            % {"office": office.name}
        )
    if not (len(office.siret) == 14 and office.siret.isdigit()):
        raise TreasuryError(
            _("Le SIRET de la régie %(office)s doit compter 14 chiffres.") % {"office": office.name}
        )
    return settings


@transaction.atomic
def pes_export_create(
    *,
    municipality: Municipality,
    office: BillingOffice,
    source_kind: str,
    run: InvoiceRun | None = None,
    actor: User | None,
) -> PesExport:
    """Send to the treasury the invoices of an issued run, or the unpaid ones at the last
    reminder level: one bordereau, one pièce per invoice for what it still owes."""
    if office.municipality_id != municipality.pk or (
        run is not None and (run.municipality_id != municipality.pk or run.office_id != office.pk)
    ):
        raise TreasuryError(_("Cette régie n'existe pas."))
    if source_kind == PesExport.Source.RUN and run is None:
        raise TreasuryError(_("Choisissez la facturation à transmettre."))
    settings = _settings(office)
    candidates = selectors.exportable(municipality, office, source_kind, run)
    # Locked: a payment or a debit waits until the invoices are marked, then sees it. Read as
    # tuples, not models: a bordereau of thousands stays small in memory.
    locked = (
        Invoice.objects.select_for_update()
        .filter(pk__in=list(candidates.values_list("pk", flat=True)))
        .order_by("number")
        .values_list("pk", "total", "paid", "credited", "collection")
    )
    due = [
        (pk, total - paid - credited)
        for pk, total, paid, credited, collection in locked
        if not collection and total - paid - credited > 0
    ]
    if not due:
        raise TreasuryError(_("Aucune facture à transmettre au Trésor public."))
    imputations = source.Imputations(office)
    missing = source.missing_imputations([pk for pk, _amount in due], imputations)
    if missing:
        raise TreasuryError(
            _("Imputation budgétaire manquante pour : %(labels)s.")
            % {"labels": ", ".join(missing[:10])}
        )
    today = timezone.localdate()
    year = today.year
    bordereau = _next_numbers(office, PesSequence.Kind.BORDEREAU, year, 1)[0]
    numbers = _next_numbers(office, PesSequence.Kind.PIECE, year, len(due))
    cumulative = selectors.cumulative_before(office, year)
    export = PesExport.objects.create(
        municipality=municipality,
        office=office,
        source=source_kind,
        run=run if source_kind == PesExport.Source.RUN else None,
        year=year,
        bordereau=bordereau,
        created_by=actor,
        count=len(due),
        total=sum(amount for _pk, amount in due),
    )
    numbered = list(zip(due, numbers, strict=True))
    for start in range(0, len(numbered), CHUNK):
        pieces, marks = [], []
        for (pk, amount), number in numbered[start : start + CHUNK]:
            reference = ""
            if settings.payfip:
                keys = rules.ormc_keys(settings.collectivity_code, year, bordereau, number)
                reference = rules.treasury_reference(year, bordereau, number, keys)
            pieces.append(
                PesPiece(
                    municipality=municipality,
                    export=export,
                    invoice_id=pk,
                    number=number,
                    amount=amount,
                    reference=reference,
                )
            )
            marks.append((pk, _collection_detail(bordereau, number, reference)))
        PesPiece.objects.bulk_create(pieces)
        _mark_sent(marks, today)
    _write_file(export, settings, today, cumulative + export.total, imputations)
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=export,
        after={
            "office": office.name,
            "bordereau": f"{year}-{bordereau}",
            "pieces": export.count,
            "total": export.total,
            "sha256": export.sha256,
        },
    )
    return export


def _mark_sent(marks: list[tuple[int, str]], today: date) -> None:
    """The invoices handed to the treasury (pk, what the family is told): one prepared UPDATE
    run for each (bulk_update's CASE grows with every row and costs seconds for thousands)."""
    quote = connection.ops.quote_name
    meta: Any = Invoice._meta
    table = quote(meta.db_table)
    columns = [
        quote(meta.get_field(name).column)
        for name in ("collection", "collection_on", "collection_detail")
    ]
    key = quote(meta.pk.column)
    sql = f"UPDATE {table} SET {columns[0]} = %s, {columns[1]} = %s, {columns[2]} = %s WHERE {key} = %s"  # noqa: E501, S608 - only quoted names are formatted in; the values are parameters
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [(Invoice.Collection.TREASURY.value, today, detail, pk) for pk, detail in marks]
        )


def _collection_detail(bordereau: int, number: int, reference: str) -> str:
    detail = _("Bordereau N° %(bordereau)s pièce %(piece)s") % {
        "bordereau": bordereau,
        "piece": number,
    }
    if reference:
        detail += " · " + _("référence PayFiP %(reference)s") % {"reference": reference}
    return detail[:100]


def _write_file(
    export: PesExport,
    settings: TreasurySettings,
    today: date,
    cumulative: Decimal,
    imputations: source.Imputations,
) -> None:
    """Stream the file to a temporary file, then store it under a random name; a failure
    later in the transaction deletes it."""
    office = export.office
    name = f"PES_{settings.collectivity_code}_{export.year}_{export.bordereau:06d}.xml"
    header = Header(
        file_name=name,
        produced_on=today,
        post_code=settings.post_code,
        siret=office.siret,
        collectivity_code=settings.collectivity_code,
        budget_code=settings.budget_code,
        label=office.name,
        year=export.year,
        bordereau=export.bordereau,
        count=export.count,
        total=export.total,
        cumulative=cumulative,
        title_object=settings.title_object,
    )
    with tempfile.TemporaryFile() as stream:
        write_pes(
            stream,
            header,
            lambda: source.pieces_of(export, imputations, lines=True),
            source.read_pdf,
        )
        stream.seek(0)
        digest = hashlib.sha256()
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
        stream.seek(0)
        export.file.save(f"{uuid.uuid4().hex}.xml", File(stream), save=False)
    stored = str(export.file.name)
    export.sha256 = digest.hexdigest()
    try:
        export.save(update_fields=["file", "sha256"])
    except Exception:
        export.file.storage.delete(stored)
        raise
