"""The pièces of an export, read from the database for the writer in chunks (a bordereau of
5,000 invoices is never loaded at once), and each invoice's stored PDF."""

from collections.abc import Iterator
from decimal import Decimal

from ribambelle.billing.models import BillingOffice, Invoice, InvoiceLine
from ribambelle.billing.services.documents import invoice_document
from ribambelle.families.models import Guardian
from ribambelle.treasury import rules
from ribambelle.treasury.models import Imputation, PesExport, PesPiece
from ribambelle.treasury.pes.writer import Debtor, Line, Piece

CHUNK = 500
CIVILITIES: dict[str, str] = {
    Guardian.Civility.MONSIEUR.value: "M",
    Guardian.Civility.MADAME.value: "MME",
}


class Imputations:
    """The office's imputations, by activity and by department."""

    def __init__(self, office: BillingOffice) -> None:
        self.by_activity: dict[int, tuple[str, str]] = {}
        self.by_department: dict[int, tuple[str, str]] = {}
        for row in Imputation.objects.filter(office=office):
            pair = (row.nature, row.function)
            if row.activity_id is not None:
                self.by_activity[row.activity_id] = pair
            elif row.department_id is not None:
                self.by_department[row.department_id] = pair


def line_facts(invoice_ids: list[int]) -> dict[int, list[rules.InvoiceLineFacts]]:
    found: dict[int, list[rules.InvoiceLineFacts]] = {}
    rows = (
        InvoiceLine.objects.filter(invoice_id__in=invoice_ids)
        .order_by("invoice_id", "pk")
        .values_list("invoice_id", "activity_id", "activity__department_id", "label", "amount")
    )
    for invoice_id, activity_id, department_id, label, amount in rows:
        found.setdefault(invoice_id, []).append(
            rules.InvoiceLineFacts(activity_id, department_id, label, amount)
        )
    return found


def missing_imputations(invoice_ids: list[int], imputations: Imputations) -> list[str]:
    """Labels of the lines no imputation covers, each once."""
    missing: list[str] = []
    for start in range(0, len(invoice_ids), CHUNK):
        facts = line_facts(invoice_ids[start : start + CHUNK])
        for lines in facts.values():
            _imputed, labels = rules.imputed_lines(
                lines, imputations.by_activity, imputations.by_department
            )
            missing.extend(label for label in labels if label not in missing)
    return missing


def allocate(lines: list[rules.Imputed], due: Decimal) -> list[Line]:
    """The title's lines for what is still due: a part paid (or credited) comes off the last
    lines first, so that the lines add up to the title."""
    excess = sum((line.amount for line in lines), Decimal("0.00")) - due
    kept: list[Line] = []
    for line in reversed(lines):
        taken = min(excess, line.amount)
        excess -= taken
        if line.amount - taken > 0:
            kept.append(Line(line.nature, line.function, line.label, line.amount - taken))
    return list(reversed(kept))


def _first_guardians(household_ids: set[int]) -> dict[int, Guardian]:
    first: dict[int, Guardian] = {}
    for guardian in Guardian.objects.filter(household_id__in=household_ids).order_by("pk"):
        first.setdefault(guardian.household_id, guardian)
    return first


def _debtor(invoice: Invoice, guardian: Guardian | None) -> Debtor:
    street, postal_code, city = rules.split_address(invoice.household_address)
    household = invoice.household
    if not street and not city:
        street, postal_code, city = household.address, household.postal_code, household.city
    if guardian is None:
        return Debtor("", invoice.household_name or household.name, "", street, postal_code, city)
    return Debtor(
        CIVILITIES.get(guardian.civility, ""),
        guardian.last_name,
        guardian.first_name,
        street,
        postal_code,
        city,
    )


def pieces_of(export: PesExport, imputations: Imputations, *, lines: bool) -> Iterator[Piece]:
    """The export's pièces in their order; without their lines and debtor for the pass that
    writes the attachments, which reads only what it needs. `Piece.source` is the invoice."""
    last = 0
    while True:
        pieces = PesPiece.objects.filter(export=export, number__gt=last).order_by("number")
        if lines:
            pieces = pieces.select_related("invoice__household__paying_guardian")
        else:
            pieces = pieces.select_related("invoice").only(
                "number",
                "reference",
                "invoice__number",
                "invoice__pdf",
                "invoice__status",
                "invoice__period_start",
                "invoice__period_end",
            )
        chunk = list(pieces[:CHUNK])
        if not chunk:
            return
        last = chunk[-1].number
        invoices = [piece.invoice for piece in chunk]
        facts = line_facts([invoice.pk for invoice in invoices]) if lines else {}
        guardians = (
            _first_guardians({invoice.household_id for invoice in invoices}) if lines else {}
        )
        for piece in chunk:
            yield _piece(export, piece, facts, guardians, imputations, lines=lines)


def _piece(
    export: PesExport,
    piece: PesPiece,
    facts: dict[int, list[rules.InvoiceLineFacts]],
    guardians: dict[int, Guardian],
    imputations: Imputations,
    *,
    lines: bool,
) -> Piece:
    invoice = piece.invoice
    title_lines: list[Line] = []
    debtor = Debtor("", "", "", "", "", "")
    if lines:
        imputed, _missing = rules.imputed_lines(
            facts.get(invoice.pk, []), imputations.by_activity, imputations.by_department
        )
        title_lines = allocate(imputed, piece.amount)
        guardian = invoice.household.paying_guardian or guardians.get(invoice.household_id)
        debtor = _debtor(invoice, guardian)
    return Piece(
        number=piece.number,
        invoice_id=invoice.pk,
        invoice_number=invoice.number,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        lines=title_lines,
        debtor=debtor,
        attachment_id=f"{export.year}-{export.bordereau}-{piece.number}",
        attachment_name=f"facture-{invoice.number}.pdf",
        keys=_keys(piece.reference),
        source=invoice,
    )


def _keys(reference: str) -> tuple[int, str] | None:
    if not reference:
        return None
    keys = reference.rsplit("-", 1)[-1]
    return int(keys[0]), keys[1]


def read_pdf(piece: Piece) -> bytes:
    """The invoice's stored PDF, read whole (one at a time); rendered and stored first, from
    the full invoice, if the storage lost it."""
    field = piece.source.pdf
    if field.name:
        try:
            with field.storage.open(field.name, "rb") as stream:
                return bytes(stream.read())
        except FileNotFoundError:
            pass
    invoice = Invoice.objects.select_related("office", "household").get(pk=piece.source.pk)
    with invoice_document(invoice=invoice).open("rb") as stream:
        return bytes(stream.read())
