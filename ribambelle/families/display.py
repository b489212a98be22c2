"""Record values as a family reads them, on the families' and the staff's pages."""

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _


def display(field, value) -> str:
    """A stored value as the family reads it: choice labels, oui/non, French dates and
    decimals."""
    if value is None or value == "":
        return _("non renseigné")
    if field is None:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    try:
        value = field.to_python(value)
    except ValidationError:
        return str(value)
    if value is True:
        return _("oui")
    if value is False:
        return _("non")
    if field.get_internal_type() == "DateField":
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if field.get_internal_type() == "DecimalField":
        return formats.number_format(value, field.decimal_places)
    return str(value)
