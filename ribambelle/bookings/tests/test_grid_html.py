"""The grid's cells drawn in Python (grid_html) are the markup the template drew: compared with
the template's cell loop, kept here as the reference, for every state a cell can be in."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import translation

from ribambelle.bookings import rules
from ribambelle.bookings.grid_html import head_cells, row_cells
from ribambelle.bookings.models import Activity
from ribambelle.bookings.presenters import GridRow, cell_view
from ribambelle.families.models import Child

REFERENCE = """{% for item in row.items %}
<td class="cell cell--{{ item.cell.state }}{% if item.refusal %} cell--refused{% endif %}">
  <span class="cell__day" aria-hidden="true">{{ item.cell.day|date:"D j/m" }}</span>
  {% if item.cell.editable %}
    <input type="hidden" name="shown" value="{{ item.key }}">
    {% if item.cell.booked %}<input type="hidden" name="booked" value="{{ item.key }}">{% endif %}
    <label class="cell__box" for="{{ item.dom_id }}" data-tip="{{ item.label|lower }}" title="{{ item.label }}">
      <input type="checkbox" id="{{ item.dom_id }}" name="cell" value="{{ item.key }}"{% if item.cell.booked %} checked{% endif %}
        data-hx-post="{{ save_url }}" data-hx-trigger="change" data-hx-vals='{"toggle": "{{ item.key }}"}' data-hx-target="#enfant-{{ child.pk }}" data-hx-swap="outerHTML">
      <span class="cell__text">{{ item.label }}</span>
      <span class="visually-hidden">{{ item.context }}</span>
    </label>
    {% if item.detail %}<span class="cell__reason">{{ item.detail }}</span>{% endif %}
  {% else %}
    <span class="cell__box" id="{{ item.dom_id }}" tabindex="0" data-tip="{{ item.label|lower }}" title="{{ item.title }}">
      <span class="cell__icon" aria-hidden="true">{{ item.icon }}</span>
      <span class="cell__text">{{ item.label }}</span>
      <span class="visually-hidden">{{ item.context }}</span>
    </span>
    {% if item.detail %}<span class="cell__reason">{{ item.detail }}</span>{% endif %}
  {% endif %}
  {% if item.refusal %}<p class="cell__refusal" role="alert"><span aria-hidden="true">⚠ </span>{{ item.refusal }}</p>{% endif %}
</td>
{% endfor %}"""  # noqa: E501 - the template as it was


def normalised(html: str) -> str:
    """Whitespace runs count as one space, as the browser reads them; none at the ends."""
    return re.sub(r"\s+", " ", html).replace("> <td", "><td").strip()


DEADLINE = datetime(2026, 11, 30, 9, tzinfo=UTC)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_cells_are_the_templates_markup_in_every_state(language):
    child = Child(pk=7, first_name='Zoé "<b>"', last_name="O'Brien")
    activity = Activity(pk=3, name="Cantine & goûter")
    cells = [
        rules.Cell(date(2026, 12, 1), rules.OPEN, False, True, "", DEADLINE),
        rules.Cell(date(2026, 12, 2), rules.BOOKED, True, True, "hors délai", DEADLINE),
        rules.Cell(date(2026, 12, 3), rules.LOCKED, False, False, "délai dépassé", DEADLINE),
        rules.Cell(date(2026, 12, 4), rules.CLOSED, False, False, "jour férié"),
        rules.Cell(date(2026, 12, 5), rules.FULL, False, False, "complet", DEADLINE),
        rules.Cell(date(2026, 12, 6), rules.NOT_ALLOWED, False, False, "dossier <incomplet>"),
        rules.Cell(date(2026, 12, 7), rules.BOOKED, True, False, "annulation impossible"),
    ]
    with translation.override(language):
        refusals = {"7:3:2026-12-01": "Complet : plus d'une <place>."}
        items = [cell_view(child, activity, cell, refusals) for cell in cells]
        assert any(item.refusal for item in items), "one cell carries a refusal"
        row = GridRow(activity, True, items)
        save_url = "/ville/reservations/enregistrer/?a=1&b=2"
        expected = Template(REFERENCE).render(
            Context({"row": row, "child": child, "save_url": save_url})
        )
        drawn = row_cells(row, child.pk, save_url)
    assert normalised(drawn) == normalised(expected)
    assert "<b>" not in drawn, drawn[drawn.index("<b>") - 80 :][:160]
    assert "dossier &lt;incomplet&gt;" in drawn


HEAD = """{% for day in days %}<th scope="col"><abbr title="{{ day|date:'l j F' }}">{{ day|date:"D" }}</abbr> <span class="grid__date">{{ day|date:"d/m" }}</span></th>{% endfor %}"""  # noqa: E501 - the template as it was


@pytest.mark.parametrize("language", ["fr", "en"])
def test_day_headers_are_the_templates_markup(language):
    days = [date(2026, 12, 28) + timedelta(days=offset) for offset in range(7)]
    with translation.override(language):
        expected = Template(HEAD).render(Context({"days": days}))
        assert head_cells(days) == expected
