"""The ISO 20022 reason codes of returned SEPA direct debits (EPC rulebook, R-transactions),
as staff and families read them."""

from django.utils.translation import gettext_lazy as _

REASONS = {
    "AC01": _("IBAN incorrect"),
    "AC04": _("compte clos"),
    "AC06": _("compte bloqué"),
    "AC13": _("compte d'un consommateur non autorisé"),
    "AG01": _("prélèvement interdit sur ce compte"),
    "AG02": _("code opération incorrect"),
    "AM04": _("provision insuffisante"),
    "AM05": _("prélèvement en double"),
    "BE05": _("créancier inconnu de la banque"),
    "CNOR": _("banque du créancier non joignable"),
    "DNOR": _("banque du débiteur non joignable"),
    "FF01": _("fichier ou opération invalide"),
    "FOCR": _("annulation demandée par le créancier"),
    "MD01": _("pas de mandat"),
    "MD02": _("données du mandat manquantes ou incorrectes"),
    "MD06": _("remboursement demandé par le débiteur"),
    "MD07": _("débiteur décédé"),
    "MS02": _("refus du débiteur"),
    "MS03": _("raison non communiquée"),
    "RC01": _("BIC incorrect"),
    "RR01": _("identification du débiteur manquante (réglementation)"),
    "RR02": _("nom ou adresse du débiteur manquant (réglementation)"),
    "RR03": _("nom ou adresse du créancier manquant (réglementation)"),
    "RR04": _("motif réglementaire"),
    "SL01": _("service particulier de la banque du débiteur (liste blanche ou noire)"),
}


# Returns that come from the debtor's side (the account, its funds, the debtor's refusal): the
# family is charged the office's return fee and the return counts toward the mandate's
# suspension. The others (a file or bank error, a duplicate, data the creditor got wrong, a
# refund the debtor is entitled to, a death) cost the family nothing.
CHARGEABLE = frozenset(
    {"AC01", "AC04", "AC06", "AC13", "AG01", "AM04", "MD01", "MS02", "MS03", "SL01"}
)


def is_chargeable(code: str) -> bool:
    return code in CHARGEABLE


def reason_label(code: str) -> str:
    """ "AM04 : provision insuffisante"; an unknown code is shown as the bank wrote it."""
    label = REASONS.get(code)
    return f"{code} : {label}" if label is not None else code


def reason_choices() -> list[tuple[str, str]]:
    return [(code, reason_label(code)) for code in REASONS]
