"""Reads the forms of a page as a browser would submit them: the hidden and text fields, and
the grid's checkboxes with their ticks. What the rush posts is built from what the page drew,
so it sends exactly what a parent's browser sends."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

CSRF_FIELD = "csrfmiddlewaretoken"
# The grid's checkboxes are named `cell`, their value is the cell key.
CELL_FIELD = "cell"
# A grid cell is a `<td class="cell cell--<state>">`; its checkbox, or the box drawn when it has
# none, has the id `case-<child>-<activity>-<YYYYMMDD>`.
CELL_STATE_PREFIX = "cell--"
BOOKED_STATE = "booked"
FIXED_BOX_CLASS = "cell__box"
CELL_ID_PREFIX = "case-"


def key_of_box(dom_id: str) -> str | None:
    """`case-12-3-20261214` -> `12:3:2026-12-14` (the key the checkboxes carry)."""
    parts = dom_id.removeprefix(CELL_ID_PREFIX).split("-")
    if not dom_id.startswith(CELL_ID_PREFIX) or len(parts) != 3 or len(parts[2]) != 8:
        return None
    day = parts[2]
    return f"{parts[0]}:{parts[1]}:{day[:4]}-{day[4:6]}-{day[6:]}"


@dataclass
class PageForm:
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    # Editable cells: key -> ticked, in the order drawn.
    cells: dict[str, bool] = field(default_factory=dict)
    # Cells drawn without a checkbox (closed, full, deadline passed...): key -> state.
    fixed: dict[str, str] = field(default_factory=dict)

    def booked(self, key: str) -> bool | None:
        """Whether the page shows the cell booked; None when it does not draw it."""
        if key in self.cells:
            return self.cells[key]
        if key in self.fixed:
            return self.fixed[key] == BOOKED_STATE
        return None

    def value(self, name: str) -> str | None:
        return next((v for n, v in self.fields if n == name), None)

    def toggle_data(self, key: str, ticked: bool) -> list[tuple[str, str]]:
        """What htmx posts when the checkbox `key` changes to `ticked`: the enclosing form's
        fields, the ticked checkboxes, and the cell just changed as `toggle`."""
        if key not in self.cells:
            raise KeyError(key)
        checked = [
            (CELL_FIELD, cell)
            for cell, state in self.cells.items()
            if (ticked if cell == key else state)
        ]
        return [*self.fields, *checked, ("toggle", key)]


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._current: PageForm | None = None
        self._cell_state = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag == "td" and "cell" in classes:
            states = [c for c in classes if c.startswith(CELL_STATE_PREFIX)]
            self._cell_state = states[0].removeprefix(CELL_STATE_PREFIX) if states else ""
        elif tag == "span" and FIXED_BOX_CLASS in classes and self._current is not None:
            key = key_of_box(values.get("id") or "")
            if key is not None:
                self._current.fixed[key] = self._cell_state
        elif tag == "form":
            self._current = PageForm(action=values.get("action") or "")
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and values.get("name"):
            name, value = values["name"] or "", values.get("value") or ""
            kind = (values.get("type") or "text").lower()
            if kind == "checkbox" and name == CELL_FIELD:
                self._current.cells[value] = "checked" in values
            elif kind not in {"checkbox", "radio", "submit", "button", "image"}:
                self._current.fields.append((name, value))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def read_forms(html: str) -> list[PageForm]:
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return reader.forms


def login_form(html: str) -> PageForm:
    """The form with a password field."""
    for form in read_forms(html):
        if any(name == "password" for name, _value in form.fields) and form.value(CSRF_FIELD):
            return form
    raise ValueError("no login form with a CSRF token on the page")


def child_forms(html: str) -> dict[str, PageForm]:
    """The grid's forms, one per child, by child id."""
    return {
        child: form
        for form in read_forms(html)
        if (child := form.value("child")) and (form.cells or form.fixed) and form.value(CSRF_FIELD)
    }
