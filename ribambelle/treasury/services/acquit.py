"""Import of the treasury's acknowledgement (PES_Acquit) of an export: each pièce accepted or
rejected, with Hélios's reason. Importing the same file again changes nothing."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.accounts.models import User
from ribambelle.core.audit import audit_record
from ribambelle.core.models import AuditEntry
from ribambelle.tenants.models import Municipality
from ribambelle.treasury.models import PesExport, PesPiece
from ribambelle.treasury.pes.acquit import AcquitError, parse_acquit
from ribambelle.treasury.services import TreasuryError


@dataclass(frozen=True)
class AcquitResult:
    accepted: int
    rejected: int
    changed: int


def _number(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@transaction.atomic
def pes_acquit_import(
    *, municipality: Municipality, export: PesExport, content: bytes, actor: User | None
) -> AcquitResult:
    if export.municipality_id != municipality.pk:
        raise TreasuryError(_("Ce bordereau n'existe pas."))
    try:
        acknowledgements = parse_acquit(content)
    except AcquitError as error:
        raise TreasuryError(_("Ce fichier n'est pas un acquittement PES lisible.")) from error
    ours = [
        item
        for item in acknowledgements
        if _number(item.bordereau) == export.bordereau
        and (not item.year or _number(item.year) == export.year)
    ]
    if not ours:
        raise TreasuryError(
            _("Cet acquittement ne concerne pas le bordereau N° %(number)s de %(year)s.")
            % {"number": export.bordereau, "year": export.year}
        )
    pieces = {
        piece.number: piece for piece in PesPiece.objects.select_for_update().filter(export=export)
    }
    wanted: dict[int, tuple[PesPiece.Status, str]] = {}
    for item in ours:  # the whole bordereau first, then what Hélios says of each pièce
        if not item.piece:
            state = PesPiece.Status.ACCEPTED if item.accepted else PesPiece.Status.REJECTED
            wanted.update(dict.fromkeys(pieces, (state, item.message)))
    for item in ours:
        number = _number(item.piece)
        if number in pieces:
            state = PesPiece.Status.ACCEPTED if item.accepted else PesPiece.Status.REJECTED
            wanted[number] = (state, item.message)
    now = timezone.now()
    changed = []
    for number, (state, message) in wanted.items():
        piece = pieces[number]
        if (piece.status, piece.message) != (state, message):
            piece.status, piece.message, piece.acknowledged_at = state, message, now
            changed.append(piece)
    PesPiece.objects.bulk_update(changed, ["status", "message", "acknowledged_at"])
    states = [piece.status for piece in pieces.values()]
    if PesPiece.Status.REJECTED in states:
        export.status = PesExport.Status.REJECTED
    elif states and all(state == PesPiece.Status.ACCEPTED for state in states):
        export.status = PesExport.Status.ACKNOWLEDGED
    export.save(update_fields=["status"])
    result = AcquitResult(
        accepted=states.count(PesPiece.Status.ACCEPTED),
        rejected=states.count(PesPiece.Status.REJECTED),
        changed=len(changed),
    )
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        target=export,
        after={"accepted": result.accepted, "rejected": result.rejected, "changed": len(changed)},
    )
    return result
