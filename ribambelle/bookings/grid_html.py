"""The cells of the weekly grid, drawn here rather than in the template: the grid is the page
parents open most at a deadline, and the template engine's work per cell (a dozen variables,
conditions and filters, for every day of every activity of every child) was about half of the
page's time. The markup is the one the template drew (see the tests); every text in it is
escaped here, the rest is constant markup."""

import html
from datetime import date
from functools import lru_cache

from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from ribambelle.bookings.presenters import CellView, GridRow


def escape(text: object) -> str:
    """What Django's escape does, without its wrapper for lazy strings (a cost per call, and
    every text here is already a str)."""
    return html.escape(str(text))


@lru_cache(maxsize=1024)
def day_label(day: date, language: str | None) -> str:
    """The weekday and date of a cell, as the template's `date:"D j/m"` wrote it, escaped (per
    language: the weekday is translated)."""
    return escape(date_format(day, "D j/m"))


def _cell(item: CellView, day_label: str, save_url: str, target: str) -> str:
    cell = item.cell
    key = escape(item.key)
    dom_id = escape(item.dom_id)
    label = escape(item.label)
    tip = escape(item.label.lower())
    context = escape(item.context)
    refused = " cell--refused" if item.refusal else ""
    parts = [
        f'<td class="cell cell--{escape(cell.state)}{refused}">',
        f'<span class="cell__day" aria-hidden="true">{day_label}</span>',
    ]
    if cell.editable:
        parts.append(f'<input type="hidden" name="shown" value="{key}">')
        if cell.booked:
            parts.append(f'<input type="hidden" name="booked" value="{key}">')
        checked = " checked" if cell.booked else ""
        parts.append(
            f'<label class="cell__box" for="{dom_id}" data-tip="{tip}" title="{label}">\n'
            f'<input type="checkbox" id="{dom_id}" name="cell" value="{key}"{checked} '
            f'data-hx-post="{save_url}" data-hx-trigger="change" '
            f'data-hx-vals=\'{{"toggle": "{key}"}}\' data-hx-target="{target}" '
            f'data-hx-swap="outerHTML">\n'
            f'<span class="cell__text">{label}</span>\n'
            f'<span class="visually-hidden">{context}</span>\n</label>'
        )
    else:
        parts.append(
            f'<span class="cell__box" id="{dom_id}" tabindex="0" data-tip="{tip}" '
            f'title="{escape(item.title)}">\n'
            f'<span class="cell__icon" aria-hidden="true">{escape(item.icon)}</span>\n'
            f'<span class="cell__text">{label}</span>\n'
            f'<span class="visually-hidden">{context}</span>\n</span>'
        )
    if item.detail:
        parts.append(f'<span class="cell__reason">{escape(item.detail)}</span>')
    if item.refusal:
        parts.append(
            '<p class="cell__refusal" role="alert"><span aria-hidden="true">⚠ </span>'
            f"{escape(item.refusal)}</p>"
        )
    parts.append("</td>")
    # Separated as the template separated them: the whitespace between inline boxes shows.
    return "\n".join(parts)


def row_cells(row: GridRow, child_pk: int, save_url: str) -> SafeString:
    """The `<td>` of each day of one activity's row for one child."""
    language = get_language()
    url = escape(save_url)
    target = f"#enfant-{int(child_pk)}"
    cells = [_cell(item, day_label(item.cell.day, language), url, target) for item in row.items]
    return mark_safe("\n".join(cells))  # noqa: S308 - every text above is escaped


@lru_cache(maxsize=1024)
def _head_cell(day: date, language: str | None) -> str:
    return (
        f'<th scope="col"><abbr title="{escape(date_format(day, "l j F"))}">'
        f"{escape(date_format(day, 'D'))}</abbr> "
        f'<span class="grid__date">{escape(date_format(day, "d/m"))}</span></th>'
    )


def head_cells(days: list[date]) -> SafeString:
    """The column headers of the week's days (the same for every child's table)."""
    language = get_language()
    return mark_safe("".join(_head_cell(day, language) for day in days))  # noqa: S308 - escaped
