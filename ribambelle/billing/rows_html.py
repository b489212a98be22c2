"""The rows of "Mes factures", drawn here rather than in the template: the page lists every
issued invoice of the household, and the template engine's work per row (three addresses, three
includes, a dozen variables and filters) was most of what a row cost. The markup is the one the
template drew (see the tests); every text in it is escaped here, the rest is constant markup.
What a row offers for paying online (a form with its CSRF token, an attempt under way, the
treasury's reference) is still drawn by billing/portal/_paying.html, for the rare rows that
show one."""

from collections.abc import Callable, Iterable

from django.template.defaultfilters import capfirst, date, floatformat
from django.template.loader import get_template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ribambelle.billing.models import Invoice
from ribambelle.billing.presenters import InvoiceRow


def _collection(invoice: Invoice) -> str:
    """billing/portal/_collection.html: when a direct debit will take or is taking the invoice."""
    if invoice.collection == Invoice.Collection.DEBIT:
        text = _("Cette facture sera prélevée le %(date)s sur le compte %(account)s.")
    elif invoice.collection == Invoice.Collection.DEBIT_SENT:
        text = _("Prélèvement en cours : le %(date)s sur le compte %(account)s.")
    else:
        return "\n"
    values = {
        "date": escape(date(invoice.collection_on, "d/m/Y")),
        "account": escape(invoice.collection_detail),
    }
    return f'<p class="invoice-collection">{text % values}</p>\n'


def _overpaid(invoice: Invoice) -> str:
    """billing/portal/_overpaid.html, not boxed."""
    if not invoice.overpaid:
        return ""
    text = _("Trop-perçu : %(amount)s&nbsp;€, porté au crédit de votre compte famille.") % {
        "amount": floatformat(invoice.overpaid, "2g")
    }
    return f'<p class="overpaid"><strong>{text}</strong></p>\n'


def _shows_paying(row: InvoiceRow) -> bool:
    """Whether billing/portal/_paying.html draws anything for the row."""
    invoice = row.invoice
    treasury = invoice.collection == Invoice.Collection.TREASURY and bool(invoice.due)
    return treasury or row.paying.can_pay or row.paying.attempt is not None


def _row(row: InvoiceRow, slug: str, paying: Callable[[InvoiceRow], str]) -> str:
    invoice = row.invoice
    pk = int(invoice.pk)
    page = escape(reverse("billing:invoice", kwargs={"municipality_slug": slug, "pk": pk}))
    pdf = escape(reverse("billing:invoice_pdf", kwargs={"municipality_slug": slug, "pk": pk}))
    number = escape(invoice.number)
    reminder = (
        f'<br><span class="invoice-reminder">{escape(row.reminder)}</span>' if row.reminder else ""
    )
    opens = _("Ouvrir la facture %(number)s (PDF, nouvel onglet)") % {"number": number}
    downloads = _("Télécharger la facture %(number)s (PDF)") % {"number": number}
    return (
        "\n        <tr>\n"
        f'          <th scope="row"><a href="{page}">{number}</a></th>\n'
        f'          <td data-label="{escape(_("Période"))}">{escape(capfirst(row.period))}</td>\n'
        f'          <td class="number" data-label="{escape(_("Montant"))}">'
        f"{floatformat(invoice.total, '2g')}&nbsp;€</td>\n"
        f'          <td class="number" data-label="{escape(_("Reste à payer"))}">'
        f"{floatformat(invoice.due, '2g')}&nbsp;€</td>\n"
        f'          <td data-label="{escape(_("À payer avant le"))}">'
        f"{escape(date(invoice.due_on, 'd/m/Y'))}</td>\n"
        f'          <td data-label="{escape(_("État"))}"><span class="status invoice-status--'
        f'{escape(row.status)}"><span aria-hidden="true">{escape(row.status_icon)} </span>'
        f"{escape(capfirst(row.status_label))}</span>{reminder}{_collection(invoice)}"
        f"{_overpaid(invoice)}</td>\n"
        '          <td class="invoice-links">\n'
        f'            <a class="button button--small" href="{pdf}" target="_blank" '
        'rel="noopener"><span aria-hidden="true">PDF ↗</span>'
        f'<span class="visually-hidden">{opens}</span></a>\n'
        f'            <a class="button button--small" href="{pdf}?telecharger=1">'
        '<span aria-hidden="true">⬇</span>'
        f'<span class="visually-hidden">{downloads}</span></a>\n'
        f"            {paying(row) if _shows_paying(row) else chr(10)}\n"
        "          </td>\n"
        "        </tr>\n      "
    )


def invoice_rows(
    rows: Iterable[InvoiceRow], municipality, csrf_token: Callable[[], str]
) -> SafeString:
    """The `<tr>` of each invoice, as the template's loop over `rows` drew them."""
    slug = municipality.slug

    def paying(row: InvoiceRow) -> str:
        context = {
            "municipality": municipality,
            "invoice": row.invoice,
            "paying": row.paying,
            "csrf_token": csrf_token(),
        }
        return get_template("billing/portal/_paying.html").render(context)

    return mark_safe("".join(_row(row, slug, paying) for row in rows))  # noqa: S308 - escaped
