"""The rows of "Mes factures" drawn in Python (rows_html) are the markup the template drew:
compared with the template's loop, kept here as the reference, for every state a row can be in
(paid, late and reminded, debited, at the treasury, overpaid, payable, an attempt under way)."""

from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from ribambelle.billing.models import Invoice, Payment
from ribambelle.billing.payments.attempts import LiveAttempt
from ribambelle.billing.presenters import STATUS_LABELS, InvoiceRow, Paying, invoice_status
from ribambelle.billing.rows_html import invoice_rows
from ribambelle.tenants.models import Municipality

REFERENCE = (
    "{% load i18n %}"
    + """{% for row in rows %}
        <tr>
          <th scope="row"><a href="{% url 'billing:invoice' municipality_slug=municipality.slug pk=row.invoice.pk %}">{{ row.invoice.number }}</a></th>
          <td data-label="{% translate 'Période' %}">{{ row.period|capfirst }}</td>
          <td class="number" data-label="{% translate 'Montant' %}">{{ row.invoice.total|floatformat:"2g" }}&nbsp;€</td>
          <td class="number" data-label="{% translate 'Reste à payer' %}">{{ row.invoice.due|floatformat:"2g" }}&nbsp;€</td>
          <td data-label="{% translate 'À payer avant le' %}">{{ row.invoice.due_on|date:"d/m/Y" }}</td>
          <td data-label="{% translate 'État' %}"><span class="status invoice-status--{{ row.status }}"><span aria-hidden="true">{{ row.status_icon }} </span>{{ row.status_label|capfirst }}</span>{% if row.reminder %}<br><span class="invoice-reminder">{{ row.reminder }}</span>{% endif %}{% include "billing/portal/_collection.html" with invoice=row.invoice %}{% if row.invoice.overpaid %}{% include "billing/portal/_overpaid.html" with invoice=row.invoice %}{% endif %}</td>
          <td class="invoice-links">
            <a class="button button--small" href="{% url 'billing:invoice_pdf' municipality_slug=municipality.slug pk=row.invoice.pk %}" target="_blank" rel="noopener"><span aria-hidden="true">PDF ↗</span><span class="visually-hidden">{% blocktranslate with number=row.invoice.number %}Ouvrir la facture {{ number }} (PDF, nouvel onglet){% endblocktranslate %}</span></a>
            <a class="button button--small" href="{% url 'billing:invoice_pdf' municipality_slug=municipality.slug pk=row.invoice.pk %}?telecharger=1"><span aria-hidden="true">⬇</span><span class="visually-hidden">{% blocktranslate with number=row.invoice.number %}Télécharger la facture {{ number }} (PDF){% endblocktranslate %}</span></a>
            {% include "billing/portal/_paying.html" with invoice=row.invoice paying=row.paying %}
          </td>
        </tr>
      {% endfor %}"""  # noqa: E501 - the template as it was
)

TOKEN = "t0k3n"
TODAY = date(2026, 12, 10)


def invoice(pk, total="34.60", *, paid="0", credited="0", due_on=date(2026, 12, 15), **values):
    return Invoice(
        pk=pk,
        status=Invoice.Status.ISSUED,
        number=values.pop("number", f"F-2026-{pk:06d}"),
        period_start=date(2026, 11, 1),
        due_on=due_on,
        total=Decimal(total),
        paid=Decimal(paid),
        credited=Decimal(credited),
        **values,
    )


def attempt(restart_at, can_resume):
    payment = Payment(amount=Decimal("34.60"), reference="r" * 24)
    return LiveAttempt(payment, "à 14\u00a0h\u00a005", "Banque <démo>", can_resume, restart_at)


def rows():
    invoices = [
        invoice(1, paid="34.60"),
        invoice(2, paid="10", due_on=date(2026, 12, 1)),
        invoice(
            3,
            collection="debit",
            collection_on=date(2027, 1, 11),
            collection_detail="FR•• •••• 0143",
        ),
        invoice(
            4,
            collection="debit_sent",
            collection_on=date(2027, 1, 11),
            collection_detail="<b>&</b>",
        ),
        invoice(5, collection="treasury", collection_detail="T-<42>"),
        invoice(6, paid="40.00", credited="1.5"),
        invoice(7, number='F-"<8>"&', due_on=None),
        invoice(8),
        invoice(9),
        invoice(10),
    ]
    payings = {
        7: Paying(can_pay=True, provider_name="Démo"),
        8: Paying(can_pay=False, attempt=attempt(None, True)),
        9: Paying(can_pay=False, attempt=attempt("le 03/12/2026 à 15 h", False)),
        10: Paying(can_pay=False, attempt=attempt(None, False)),
    }
    reminders = {2: "1re relance <envoyée>"}
    built = []
    for item in invoices:
        status = invoice_status(item, TODAY)
        label, icon = STATUS_LABELS[status]
        paying = payings.get(item.pk, Paying(can_pay=False))
        reminder = reminders.get(item.pk, "")
        built.append(InvoiceRow(item, "novembre 2026", status, str(label), icon, paying, reminder))
    return built


@pytest.mark.parametrize("language", ["fr", "en"])
def test_rows_are_the_templates_markup_in_every_state(language):
    municipality = Municipality(pk=1, slug="ville-a", name="Ville A")
    drawn = rows()
    with translation.override(language):
        expected = Template(REFERENCE).render(
            Context({"rows": drawn, "municipality": municipality, "csrf_token": TOKEN})
        )
        html = invoice_rows(drawn, municipality, lambda: TOKEN)
    assert html == expected
    assert TOKEN in html and "r" * 24 in html  # the forms and the attempt are drawn
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in html and "T-&lt;42&gt;" in html
    assert "F-&quot;&lt;8&gt;&quot;&amp;" in html and "<b>&" not in html
