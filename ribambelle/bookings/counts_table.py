"""The rows of the kitchen counts' table, drawn here rather than in the template: two weeks of a
large town are hundreds of rows of eight cells, and the template engine's work on each cell (a
variable looked up, a number localised, escaped) was most of the page's time. The markup is the
one the template drew; the template keeps the page around it."""

from django.utils import formats
from django.utils.dateformat import format as date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ribambelle.bookings.presenters import NO_BOOKING
from ribambelle.bookings.selectors.counts import ActivityCounts, DayCounts

ROW = '<tr{}>\n<th scope="row">{}</th>\n<td>{}</td>\n{}\n</tr>'
NONE_CLASS = ' class="counts__none"'
TOTAL_CLASS = ' class="counts__total"'


class _Numbers(dict[int, str]):
    """The cells of the numbers, each number localised and escaped once per page, and the
    sites' names, each escaped once."""

    def __init__(self):
        super().__init__()
        self.sites: dict[str, str] = {}

    def __missing__(self, number: int) -> str:
        cell = f'<td class="num">{escape(formats.localize(number))}</td>'
        self[number] = cell
        return cell

    def site(self, name: str) -> str:
        if name not in self.sites:
            self.sites[name] = escape(name)
        return self.sites[name]


def _row(css: str, label: str, site: str, numbers: list[int], cells: _Numbers) -> str:
    # The only text that is not markup, the label and the site, is escaped here.
    return ROW.format(css, label, cells.site(site), "".join(cells[n] for n in numbers))


def day_body(day: DayCounts, cells: _Numbers) -> str:
    """One day's rows: a row per site (or a row saying there is no booking), then the day's
    total when there are several sites."""
    label = escape(date_format(day.day, "l d/m/Y"))
    rows = [_row("", label, tally.site, tally.numbers, cells) for tally in day.sites]
    if not day.sites:
        rows.append(_row(NONE_CLASS, label, str(NO_BOOKING), [0] * 6, cells))
    if day.total is not None:
        rows.append(_row(TOTAL_CLASS, label, day.total.site, day.total.numbers, cells))
    return '<tbody class="counts__day">\n' + "\n".join(rows) + "\n</tbody>"


def counts_tables(activities: list[ActivityCounts]) -> list[tuple[ActivityCounts, SafeString]]:
    """Each activity with the rows of its days, ready for the page. Built with plain strings,
    not format_html per cell (whose cost per call is the template's again): every text in them
    is escaped by _row and day_body, the rest is the constant markup above."""
    cells = _Numbers()
    return [
        (entry, mark_safe("\n".join(day_body(day, cells) for day in entry.days)))  # noqa: S308
        for entry in activities
    ]
