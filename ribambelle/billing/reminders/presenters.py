"""What the families' pages say about the reminders of an invoice."""

from django.utils import formats
from django.utils.translation import gettext as _

from ribambelle.billing.reminders.models import ReminderLevel
from ribambelle.billing.reminders.selectors import ReminderState


def reminder_text(state: ReminderState | None) -> str:
    """ "1re relance envoyée le 23/12/2026", "Transmise au Trésor public prochainement"."""
    if state is None:
        return ""
    if state.action == ReminderLevel.Action.TREASURY:
        return _("Transmise au Trésor public prochainement : réglez-la au plus vite.")
    sent_on = formats.date_format(state.sent_on, "d/m/Y")
    if state.position <= 1:
        return _("1re relance envoyée le %(date)s") % {"date": sent_on}
    # "2e relance", "3e relance": the ordinal is written in the sentence of each language.
    return _("%(n)se relance envoyée le %(date)s") % {"n": state.position, "date": sent_on}
