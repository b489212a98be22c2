from datetime import date

from django import template
from django.utils.safestring import SafeString

from ribambelle.bookings import grid_html
from ribambelle.bookings.presenters import GridRow

register = template.Library()


@register.simple_tag
def grid_cells(row: GridRow, child_pk: int, save_url: str) -> SafeString:
    """The cells of one row of the weekly grid (bookings/grid_html.py)."""
    return grid_html.row_cells(row, child_pk, save_url)


@register.simple_tag
def grid_head(days: list[date]) -> SafeString:
    """The day headers of the weekly grid (bookings/grid_html.py)."""
    return grid_html.head_cells(days)
