"""The SEPA identifiers a mandate and a creditor hold, checked before anything is stored: the
debtor's IBAN (checksum, country, SEPA zone), the BIC, the creditor identifier (ICS) and the
mandate reference (RUM). Each check returns the value in the form the files use (compact,
upper case) or raises ValidationError with a French message that says what to fix.

Pure logic: no ORM (the uniqueness of a RUM per creditor is the service's business)."""

import calendar
import re
import secrets
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.eu import at_02
from stdnum.exceptions import ValidationError as StdnumError

# The countries of the European Economic Area, whose banks need no BIC in a SEPA file.
EEA_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK".split()  # noqa: SIM905, E501
)
# The other countries of the SEPA scheme (EPC list): their debtors must give the BIC.
OTHER_SEPA_COUNTRIES = frozenset(["AD", "CH", "GB", "GI", "MC", "SM", "VA"])
SEPA_COUNTRIES = EEA_COUNTRIES | OTHER_SEPA_COUNTRIES

RUM_MAX_LENGTH = 35
# The SEPA character set of identifiers (EPC guidelines): Latin letters, digits, space and
# / - ? : ( ) . , ' +
RUM_CHARACTERS = re.compile(r"^[A-Za-z0-9/?:().,'+ -]+$")
RUM_PREFIX = "RBL"
RUM_RANDOM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read on the phone
RUM_RANDOM_LENGTH = 6
MASK = "••••"


def iban_clean(value: str) -> str:
    """The debtor's IBAN, compact and upper case, when it is a valid IBAN of the SEPA zone."""
    compact = stdnum_iban.compact(value or "")
    if not compact:
        raise ValidationError(_("Saisissez l'IBAN du compte."), code="required")
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}", compact):
        raise ValidationError(
            _(
                "Cet IBAN n'a pas la bonne forme : deux lettres du pays, deux chiffres, puis "
                "le numéro de compte (par exemple FR76 3000 6000 0112 3456 7890 189)."
            ),
            code="format",
        )
    if compact[:2] not in SEPA_COUNTRIES:
        raise ValidationError(
            _(
                "Ce compte n'est pas dans la zone SEPA : le prélèvement n'est possible que sur "
                "un compte d'un pays de la zone SEPA."
            ),
            code="country",
        )
    try:
        return str(stdnum_iban.validate(compact))
    except StdnumError as error:
        raise ValidationError(
            _(
                "Cet IBAN n'est pas valide : vérifiez chaque caractère, tel qu'il figure sur "
                "votre relevé d'identité bancaire (RIB)."
            ),
            code="checksum",
        ) from error


def bic_needed(iban: str) -> bool:
    """Outside the EEA, the SEPA rulebook still asks for the debtor bank's BIC."""
    return iban[:2] not in EEA_COUNTRIES


def bic_clean(value: str, *, required: bool = False) -> str:
    """The BIC (8 or 11 characters) upper case, or "" when none is given and none is needed."""
    compact = stdnum_bic.compact(value or "")
    if not compact:
        if required:
            raise ValidationError(
                _("Pour un compte hors de l'Espace économique européen, indiquez le BIC."),
                code="required",
            )
        return ""
    try:
        return str(stdnum_bic.validate(compact))
    except StdnumError as error:
        raise ValidationError(
            _(
                "Ce BIC n'est pas valide : 8 ou 11 lettres et chiffres, par exemple AGRIFRPP "
                "ou AGRIFRPP882 (il figure sur le RIB)."
            ),
            code="invalid",
        ) from error


def ics_clean(value: str) -> str:
    """The SEPA creditor identifier (ICS), e.g. FR72ZZZ123456."""
    compact = at_02.compact(value or "")
    if not compact:
        raise ValidationError(_("Saisissez l'identifiant créancier SEPA (ICS)."), code="required")
    if compact[:2] not in SEPA_COUNTRIES:
        raise ValidationError(
            _("Cet identifiant créancier n'est pas celui d'un pays de la zone SEPA."),
            code="country",
        )
    try:
        return str(at_02.validate(compact))
    except StdnumError as error:
        raise ValidationError(
            _(
                "Cet identifiant créancier SEPA (ICS) n'est pas valide : vérifiez-le sur le "
                "courrier de la Banque de France ou de votre banque (par exemple FR72ZZZ123456)."
            ),
            code="invalid",
        ) from error


def rum_clean(value: str) -> str:
    """A mandate reference (RUM) as typed from a paper form, checked against the rulebook."""
    rum = (value or "").strip()
    if not rum:
        raise ValidationError(_("Saisissez la référence unique du mandat (RUM)."), code="required")
    if len(rum) > RUM_MAX_LENGTH:
        raise ValidationError(
            _("La référence du mandat (RUM) compte au plus 35 caractères."), code="length"
        )
    if not RUM_CHARACTERS.fullmatch(rum):
        raise ValidationError(
            _(
                "La référence du mandat (RUM) ne peut contenir que des lettres sans accent, des "
                "chiffres, des espaces et les signes / - ? : ( ) . , ' +"
            ),
            code="characters",
        )
    if rum.startswith("/") or rum.endswith("/") or "//" in rum:
        raise ValidationError(
            _(
                "La référence du mandat (RUM) ne peut ni commencer ni finir par « / », ni "
                "contenir « // »."
            ),
            code="slashes",
        )
    return rum


def rum_generate(office_id: int, household_id: int, random: str | None = None) -> str:
    """ "RBL-3-1042-K7QX2M": the office, the household and a random part, which the service
    draws again should the reference already exist for the creditor."""
    if random is None:
        random = "".join(secrets.choice(RUM_RANDOM_ALPHABET) for _index in range(RUM_RANDOM_LENGTH))
    return rum_clean(f"{RUM_PREFIX}-{office_id}-{household_id}-{random}")


def iban_masked(iban: str) -> str:
    """ "FR76 •••• 1234": the country, the check digits and the last four characters."""
    compact = stdnum_iban.compact(iban or "")
    if len(compact) < 8:
        return MASK
    return f"{compact[:4]} {MASK} {compact[-4:]}"


def iban_parts(iban: str) -> tuple[str, str]:
    """What is stored in clear beside the encrypted IBAN: its country and last four."""
    return iban[:2], iban[-4:]


def months_later(day: date, months: int) -> date:
    """The same day `months` later (or earlier, when negative), on the month's last day when
    that month is shorter: 31 May + 1 month is 30 June."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# What the EPC's basic Latin character set allows in names and remittance information; many
# French banks refuse a file with anything else.
NOT_SEPA_TEXT = re.compile(r"[^A-Za-z0-9/?:().,'+ -]")


def sepa_text(value: str, max_length: int) -> str:
    """`value` written with the SEPA characters only: accents dropped (Élise → Elise), "œ"
    and "æ" spelt out, any other sign a space, spaces collapsed, cut at `max_length`."""
    spelt = (value or "").replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae")
    spelt = spelt.replace("Æ", "AE").replace("ß", "ss").replace("’", "'")
    ascii_only = unicodedata.normalize("NFKD", spelt).encode("ascii", "ignore").decode()
    cleaned = " ".join(NOT_SEPA_TEXT.sub(" ", ascii_only).split())
    return cleaned[:max_length].rstrip()
