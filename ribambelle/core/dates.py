"""Names of days and months, in lower case as French writes them inside a sentence ("mardi 1er
décembre"), translated when shown. Weekdays are indexed like `date.weekday()` (0 = Monday),
months from 0 (`MONTH_NAMES[day.month - 1]`)."""

from django.utils.translation import gettext_lazy as _

WEEKDAY_NAMES = [
    _("lundi"),
    _("mardi"),
    _("mercredi"),
    _("jeudi"),
    _("vendredi"),
    _("samedi"),
    _("dimanche"),
]

MONTH_NAMES = [
    _("janvier"),
    _("février"),
    _("mars"),
    _("avril"),
    _("mai"),
    _("juin"),
    _("juillet"),
    _("août"),
    _("septembre"),
    _("octobre"),
    _("novembre"),
    _("décembre"),
]
