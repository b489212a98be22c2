"""A category block as the families' pages show it (folded under its <details> summary), drawn
here rather than by including "families/portal/_category.html": the template engine's work for
the include and its rows (a dozen variables, conditions and filters per row) was a large part
of a child's page. The markup is the one the template draws (see the tests); every text in it
is escaped here, the rest is constant markup."""

from typing import Any

from django.template.defaultfilters import capfirst, linebreaksbr
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _


def _row(row: dict[str, Any]) -> str:
    if row["empty"]:
        value = f'<span class="muted">{escape(row["value"])}</span>'
    else:
        value = linebreaksbr(row["value"], autoescape=True)
    proposed = ""
    if row["proposed"] is not None:
        proposed = (
            f'<br><span class="proposed">{escape(_("demandé :"))} {escape(row["proposed"])}</span>'
        )
    return (
        f"\n      <dt>{escape(capfirst(row['label']))}</dt>\n"
        f"      <dd>{value}\n        {proposed}</dd>\n    "
    )


def folded_category(block: dict[str, Any]) -> SafeString:
    """What `{% include "families/portal/_category.html" %}` draws for a block of
    presenters.category_block on the families' pages (folded, without confirmation)."""
    assert block["folded"] and not block.get("confirmation")
    block_id = escape(block["block_id"])
    edit_url = escape(block["edit_url"])
    label = escape(block["category"].label)
    owner = f" – {escape(block['object'])}" if block["target"] != "household" else ""
    pending = ""
    change = block["pending"]
    if change:
        when = date_format(localtime(change.submitted_at), "SHORT_DATE_FORMAT")
        text = _("Modification demandée le %(date)s, en attente de validation par la mairie.") % {
            "date": escape(when)
        }
        pending = f'<p class="badge badge--pending">{text}</p>'
    rows = "".join(_row(row) for row in block["rows"])
    return mark_safe(  # noqa: S308 - every text above is escaped
        f'<div class="category" id="{block_id}">\n'
        '  <div class="category__head">\n'
        "    \n"
        f'    <a class="button button--small" href="{edit_url}" data-hx-get="{edit_url}" '
        f'data-hx-target="#{block_id}" data-hx-swap="outerHTML">'
        f'<span aria-hidden="true">✎ </span>{escape(_("Modifier"))}'
        f'<span class="visually-hidden"> : {label}{owner}</span></a>\n'
        "  </div>\n"
        "  \n"
        f"  {pending}\n"
        '  <dl class="facts">\n'
        f"    {rows}\n"
        "  </dl>\n"
        "</div>\n"
    )
