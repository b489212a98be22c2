"""What a form of the weekly grid posts, read in one place and turned into a list of changes.

A cell is named by one key everywhere, `<child>:<activity>:<day>` (CellKey): in the form, in
htmx's `toggle`, and in the refusals shown next to their cell. The form of one child posts:

- `child` and `semaine` (the Monday of the week shown);
- `week`: an activity whose open days the family asked to book (its name was clicked); the
  cells are then ignored;
- `shown`: the editable cells drawn; `booked`: those of them that were booked when drawn;
  `cell`: those ticked now. A cell whose tick differs from what was drawn changes;
- `toggle`: with htmx, the one cell just ticked or unticked: only it changes, and when the page
  was stale (nothing differs), it does what the tick says.

Pages drawn before this format (cells named `<activity>:<day>`, a `was-<cell>` field of "1" or
"0" per cell) still save: their cells are read with the form's child. Anything malformed, or a
cell of another child, raises GridPostError (the view answers 404, as for a forged id)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from ribambelle.bookings import rules

LEGACY_WAS_PREFIX = "was-"


class GridPostError(ValueError):
    """A post no page of ours sends."""


class PostData(Protocol):
    """A QueryDict, or anything that reads like one."""

    def get(self, key: str, default: str | None = None, /) -> str | None: ...

    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True, order=True)
class CellKey:
    child_id: int
    activity_id: int
    day: date

    def __str__(self) -> str:
        return f"{self.child_id}:{self.activity_id}:{self.day.isoformat()}"

    @classmethod
    def parse(cls, value: str, *, child_id: int) -> "CellKey":
        """The one format; the older `<activity>:<day>` is read with the form's child."""
        parts = value.split(":")
        try:
            if len(parts) == 3:
                return cls(int(parts[0]), int(parts[1]), date.fromisoformat(parts[2]))
            if len(parts) == 2:
                return cls(child_id, int(parts[0]), date.fromisoformat(parts[1]))
        except ValueError:
            pass
        raise GridPostError(value)


@dataclass(frozen=True)
class GridPost:
    child_id: int
    monday: date
    # An activity whose open days to book: the view knows which days are open.
    whole_week: int | None
    changes: list[rules.Change]


def parse_monday(value: str | None) -> date | None:
    """The Monday of the week a date falls in; None for anything that is not a date."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    return rules.week_of(day)


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise GridPostError(value) from None


def _keys(values: Iterable[str], child_id: int) -> list[CellKey]:
    keys = [CellKey.parse(value, child_id=child_id) for value in values]
    if any(key.child_id != child_id for key in keys):
        raise GridPostError("a cell of another child")
    return keys


def _booked(data: PostData, shown: list[str], child_id: int) -> set[CellKey]:
    """The cells that were booked when drawn: `booked`, or the older `was-<cell>` fields."""
    booked = set(_keys(data.getlist("booked"), child_id))
    booked.update(
        key
        for value, key in zip(shown, _keys(shown, child_id), strict=True)
        if data.get(f"{LEGACY_WAS_PREFIX}{value}") == "1"
    )
    return booked


def parse(data: PostData) -> GridPost:
    child_id = _int(data.get("child"))
    monday = parse_monday(data.get("semaine"))
    if monday is None:
        raise GridPostError("semaine")
    if data.get("week"):
        return GridPost(child_id, monday, _int(data.get("week")), [])
    shown = data.getlist("shown")
    checked = set(_keys(data.getlist("cell"), child_id))
    booked = _booked(data, shown, child_id)
    toggle = data.get("toggle")
    toggled = _keys([toggle], child_id)[0] if toggle else None
    changes = [
        rules.Change(key.child_id, key.activity_id, key.day, key in checked)
        for key in _keys(shown, child_id)
        if (toggled is None or key == toggled) and (key in checked) != (key in booked)
    ]
    if toggled is not None and not changes:
        # The page was stale: do what the tick says.
        changes.append(rules.Change(child_id, toggled.activity_id, toggled.day, toggled in checked))
    return GridPost(child_id, monday, None, changes)
