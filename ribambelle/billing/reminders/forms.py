"""Staff forms of the reminders: a level of a billing office, the pause of a household."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.reminders.models import ReminderLevel, ReminderPause
from ribambelle.billing.reminders.services import LevelValues
from ribambelle.bookings.forms_config import RadioGroup


class LevelForm(forms.ModelForm):
    class Meta:
        model = ReminderLevel
        fields = ["days_after_due", "action", "attach_invoice", "subject", "text"]
        widgets = {
            "action": RadioGroup,
            "days_after_due": forms.TextInput(attrs={"inputmode": "numeric", "size": 4}),
            "text": forms.Textarea(attrs={"rows": 5}),
        }
        error_messages = {
            "days_after_due": {
                "required": _("Indiquez le nombre de jours après la date limite de paiement."),
                "invalid": _("Saisissez un nombre de jours, par exemple 7."),
                "min_value": _("Une relance part au plus tôt un jour après la date limite."),
            }
        }

    def clean_days_after_due(self) -> int:
        days: int = self.cleaned_data["days_after_due"]
        if days > 365:
            raise forms.ValidationError(_("Choisissez un délai d'au plus 365 jours."))
        others = ReminderLevel.objects.filter(office=self.instance.office)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.filter(days_after_due=days).exists():
            raise forms.ValidationError(_("Cette régie a déjà un niveau à ce nombre de jours."))
        return days

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        action, days = data.get("action"), data.get("days_after_due")
        if action == ReminderLevel.Action.EMAIL and not (data.get("text") or "").strip():
            self.add_error("text", _("Écrivez le texte du message envoyé aux familles."))
        if action == ReminderLevel.Action.TREASURY and data.get("attach_invoice"):
            self.add_error(
                "attach_invoice", _("Ce niveau n'envoie rien : il n'y a pas de facture à joindre.")
            )
        if days is not None and action:
            self._check_order(action, days)
        return data

    def _check_order(self, action: str, days: int) -> None:
        """Nothing is sent after the hand-over to the treasury: it is the last level, and the
        only one of its kind."""
        others = ReminderLevel.objects.filter(office=self.instance.office).exclude(
            pk=self.instance.pk
        )
        treasury = others.filter(action=ReminderLevel.Action.TREASURY).first()
        if action == ReminderLevel.Action.TREASURY:
            if treasury is not None:
                self.add_error(
                    "action", _("Cette régie a déjà un niveau « à transmettre au Trésor ».")
                )
            elif others.filter(days_after_due__gt=days).exists():
                self.add_error(
                    "days_after_due",
                    _("La transmission au Trésor vient après toutes les relances par e-mail."),
                )
        elif treasury is not None and days > treasury.days_after_due:
            self.add_error(
                "days_after_due",
                _("Aucune relance n'est envoyée après la transmission au Trésor (J+%(days)s).")
                % {"days": treasury.days_after_due},
            )

    def values(self) -> LevelValues:
        data = self.cleaned_data
        return LevelValues(
            days_after_due=data["days_after_due"],
            action=data["action"],
            attach_invoice=data["attach_invoice"],
            subject=data["subject"].strip(),
            text=data["text"].strip(),
        )


class PauseForm(forms.ModelForm):
    class Meta:
        model = ReminderPause
        fields = ["reason"]
        labels = {"reason": _("Motif (échéancier accordé…)")}
