"""Tables of what the booking pages say: the grid's cells, its deadline banner and the notice
after a save, the register's refusals. No database: the presenters only shape what the
selectors read and the services did. Expected sentences are written out by hand."""

from datetime import UTC, date, datetime, time

import pytest
from django.utils import translation

from ribambelle.bookings import presenters, rules
from ribambelle.bookings.models import Activity, Attendance
from ribambelle.bookings.selectors import ChildWeek, Row, Week
from ribambelle.bookings.services import ALREADY, BOOKED, CANCELLED, NOT_BOOKED, REFUSED, Outcome
from ribambelle.families.models import Child
from ribambelle.tenants.models import Department, Municipality

THURSDAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def french():
    with translation.override("fr"):
        yield


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def child(pk=7, first_name="Léa"):
    return Child(pk=pk, first_name=first_name, last_name="Martin")


def activity(pk=3, name="Restauration scolaire"):
    return Activity(pk=pk, name=name, department=Department(pk=1, name="Restauration"))


# The grid's cells

DEADLINE = utc(2026, 11, 24, 22, 59)  # Tuesday 24 November, 23:59 in Paris


@pytest.mark.parametrize(
    ("cell", "label", "icon", "detail", "title"),
    [
        pytest.param(rules.Cell(THURSDAY, rules.OPEN, False, True), "Non réservé", "○", "",
                     "Non réservé", id="open"),
        pytest.param(rules.Cell(THURSDAY, rules.OPEN, False, True, "hors délai"), "Non réservé",
                     "○", "hors délai", "Non réservé : hors délai", id="open-late-for-staff"),
        pytest.param(rules.Cell(THURSDAY, rules.BOOKED, True, True), "Réservé", "✓", "",
                     "Réservé", id="booked"),
        pytest.param(rules.Cell(THURSDAY, rules.CLOSED, False, False, "jour férié"), "Fermé",
                     "–", "jour férié", "Fermé : jour férié", id="closed"),
        pytest.param(rules.Cell(THURSDAY, rules.FULL, False, False, "complet"), "Complet", "●",
                     "", "Complet", id="reason-repeats-the-label"),
        pytest.param(rules.Cell(THURSDAY, rules.NOT_ALLOWED, False, False, "dossier incomplet"),
                     "Non autorisé", "⊘", "dossier incomplet", "Non autorisé : dossier incomplet",
                     id="not-allowed"),
        pytest.param(rules.Cell(THURSDAY, rules.LOCKED, False, False, "délai dépassé le mardi 24 "
                                "à 23 h 59", DEADLINE), "Délai dépassé", "✕",
                     "le mardi 24 à 23 h 59", "Délai dépassé le mardi 24 à 23 h 59",
                     id="locked-says-when"),
    ],
)  # fmt: skip
def test_cell_view(cell, label, icon, detail, title):
    view = presenters.cell_view(child(), activity(), cell, {})
    assert (view.label, view.icon, view.detail, view.title) == (label, icon, detail, title)
    assert view.key == "7:3:2026-11-26"
    assert view.dom_id == "case-7-3-20261126"
    assert view.context == "Léa, Restauration scolaire, jeudi 26 novembre"
    assert view.refusal == ""


def test_cell_view_finds_its_refusal_by_the_one_key_format():
    cell = rules.Cell(THURSDAY, rules.OPEN, False, True)
    refusals = {"7:3:2026-11-26": "Complet : plus aucune place ce jour-là.", "7:3:2026-11-27": "x"}
    assert (
        presenters.cell_view(child(), activity(), cell, refusals).refusal
        == refusals["7:3:2026-11-26"]
    )
    assert presenters.cell_view(child(8), activity(), cell, refusals).refusal == ""


def test_grid_week_keeps_the_order_and_says_which_rows_can_still_be_booked():
    lea, tom = child(7, "Léa"), child(8, "Tom")
    canteen = activity()
    cells = [
        rules.Cell(THURSDAY, rules.OPEN, False, True),
        rules.Cell(date(2026, 11, 27), rules.BOOKED, True, True),
    ]
    week = Week(
        date(2026, 11, 23),
        [date(2026, 11, 23 + offset) for offset in range(5)],
        [ChildWeek(lea, [Row(canteen, cells)], incomplete=True), ChildWeek(tom, [])],
    )
    grid = presenters.grid_week(week, {"7:3:2026-11-27": "refusé"})
    assert [entry.child for entry in grid.children] == [lea, tom]
    assert grid.child_week(7).incomplete and not grid.child_week(8).rows
    [row] = grid.child_week(7).rows
    assert row.activity is canteen and row.any_open
    assert [(item.key, item.refusal) for item in row.items] == [
        ("7:3:2026-11-26", ""),
        ("7:3:2026-11-27", "refusé"),
    ]
    assert (grid.previous, grid.following) == (date(2026, 11, 16), date(2026, 11, 30))


def test_week_label():
    assert presenters.week_label(date(2026, 11, 30), date(2026, 12, 4)) == (
        "Semaine du lundi 30 novembre au vendredi 4 décembre 2026"
    )


@pytest.mark.parametrize(
    ("first", "last", "label"),
    [
        (date(2026, 11, 23), date(2026, 11, 27), "23 – 27 novembre 2026"),
        (date(2026, 11, 30), date(2026, 12, 4), "30 novembre – 4 décembre 2026"),
        (date(2026, 12, 28), date(2027, 1, 1), "28 décembre 2026 – 1er janvier 2027"),
        (date(2026, 6, 1), date(2026, 6, 5), "1er – 5 juin 2026"),
    ],
)
def test_week_label_short(first, last, label):
    assert presenters.week_label_short(first, last) == label


# The deadline banner above a week

BOOK_BY = rules.NextDeadline(utc(2026, 12, 1, 9, 0), date(2026, 12, 3), "Restauration scolaire")
CANCEL_BY = rules.NextDeadline(utc(2026, 11, 30, 22, 59), date(2026, 12, 2), "Centre de loisirs")
BOOK_SENTENCE = (
    "Réservations possibles jusqu'au mardi 1er décembre à 10 h pour le jeudi 3 décembre "
    "(Restauration scolaire)."
)
CANCEL_SENTENCE = (
    "Annulations possibles jusqu'au lundi 30 novembre à 23 h 59 pour le mercredi 2 décembre "
    "(Centre de loisirs)."
)


@pytest.mark.parametrize(
    ("booking", "cancelling", "has_bookings", "expected"),
    [
        pytest.param(BOOK_BY, CANCEL_BY, True, [BOOK_SENTENCE, CANCEL_SENTENCE], id="both"),
        pytest.param(BOOK_BY, None, False, [BOOK_SENTENCE], id="book-only-nothing-booked"),
        pytest.param(BOOK_BY, None, True,
                     [BOOK_SENTENCE, "Les réservations déjà faites pour cette semaine ne "
                      "peuvent plus être annulées."], id="book-only-bookings-locked"),
        # Every open day booked (or past its deadline) while cancelling is still open: the
        # grid used to say only that nothing was possible any more.
        pytest.param(None, CANCEL_BY, True,
                     ["Plus aucun jour ne peut être réservé cette semaine.", CANCEL_SENTENCE],
                     id="cancel-only"),
        pytest.param(None, None, True,
                     ["Plus aucune réservation ni annulation n'est possible pour cette semaine."],
                     id="neither-with-bookings"),
        pytest.param(None, None, False,
                     ["Plus aucune réservation n'est possible pour cette semaine."],
                     id="neither-nothing-booked"),
    ],
)  # fmt: skip
def test_deadline_banner(booking, cancelling, has_bookings, expected):
    assert presenters.deadline_banner(booking, cancelling, has_bookings=has_bookings) == expected


def test_a_week_without_any_row_has_no_banner():
    week = Week(date(2026, 11, 23), [], [ChildWeek(child(), [])], next_booking=BOOK_BY)
    assert presenters.week_deadlines(week) == []


# What a save says

ON_THURSDAY = rules.Change(7, 3, THURSDAY, True)
ON_FRIDAY = rules.Change(7, 3, date(2026, 11, 27), True)
OFF_FRIDAY = rules.Change(7, 3, date(2026, 11, 27), False)


@pytest.mark.parametrize(
    ("outcomes", "notice", "refused_keys"),
    [
        pytest.param([], "", [], id="nothing"),
        pytest.param([Outcome(ON_THURSDAY, BOOKED)], "Enregistré : 1 jour réservé.", [],
                     id="one-booked"),
        pytest.param([Outcome(ON_THURSDAY, BOOKED), Outcome(ON_FRIDAY, BOOKED)],
                     "Enregistré : 2 jours réservés.", [], id="two-booked"),
        pytest.param([Outcome(ON_THURSDAY, BOOKED), Outcome(OFF_FRIDAY, CANCELLED)],
                     "Enregistré : 1 jour réservé · 1 réservation annulée.", [],
                     id="booked-and-cancelled"),
        pytest.param([Outcome(ON_THURSDAY, ALREADY), Outcome(OFF_FRIDAY, NOT_BOOKED)], "", [],
                     id="nothing-changed"),
        pytest.param([Outcome(ON_THURSDAY, REFUSED, "Fermé : Grève.")],
                     "1 demande refusée : voir l'explication dans le tableau.",
                     ["7:3:2026-11-26"], id="one-refused"),
        pytest.param([Outcome(ON_THURSDAY, REFUSED, "a"), Outcome(OFF_FRIDAY, REFUSED, "b")],
                     "2 demandes refusées : voir les explications dans le tableau.",
                     ["7:3:2026-11-26", "7:3:2026-11-27"], id="two-refused"),
        pytest.param([Outcome(ON_THURSDAY, REFUSED, "a"), Outcome(OFF_FRIDAY, CANCELLED)],
                     "1 réservation annulée. Certaines demandes ont été refusées : voir le "
                     "tableau.", ["7:3:2026-11-26"], id="some-refused"),
    ],
)  # fmt: skip
def test_save_result(outcomes, notice, refused_keys):
    result = presenters.save_result(outcomes)
    assert result.notice == notice
    assert sorted(result.refusals) == refused_keys


def test_save_result_keeps_each_reason():
    result = presenters.save_result([Outcome(ON_THURSDAY, REFUSED, "Fermé : Grève.")])
    assert result.refusals == {"7:3:2026-11-26": "Fermé : Grève."}


# The attendance register

SPEC = rules.ActivitySpec(
    pk=3,
    department="Restauration",
    weekdays=frozenset({0, 1, 3, 4}),
    starts_on=date(2026, 9, 1),
    ends_on=date(2027, 7, 3),
    booking_rule=rules.DeadlineRule(rules.DAYS_BEFORE, time(23, 59), days=2),
    cancel_rule=rules.DeadlineRule(rules.DAYS_BEFORE, time(23, 59), days=2),
    closures=(rules.Period(date(2026, 11, 27), date(2026, 11, 27), "Grève"),),
)
MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(MONDAY, "", id="today"),
        pytest.param(date(2026, 11, 19), "", id="a-past-day"),
        pytest.param(date(2026, 11, 24), "Le pointage d'un jour à venir n'est pas possible.",
                     id="tomorrow"),
        pytest.param(date(2026, 11, 18),
                     "Cette activité n'a pas lieu ce jour-là : non proposé ce jour-là.",
                     id="wednesday"),
    ],
)  # fmt: skip
def test_register_refusal(day, expected):
    assert presenters.register_refusal(SPEC, day, today=MONDAY) == expected


def test_register_refusal_names_a_public_holiday():
    # Friday 25 December 2026.
    assert presenters.register_refusal(SPEC, date(2026, 12, 25), today=date(2026, 12, 28)) == (
        "Cette activité n'a pas lieu ce jour-là : jour férié."
    )


def test_register_refusal_names_the_closure():
    assert presenters.register_refusal(SPEC, date(2026, 11, 27), today=date(2026, 11, 30)) == (
        "Cette activité n'a pas lieu ce jour-là : Grève."
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Attendance.Status.PRESENT, "Léa Martin : présence enregistrée."),
        (Attendance.Status.ABSENT, "Léa Martin : absence enregistrée."),
        ("", "Léa Martin : pointage retiré."),
    ],
)
def test_mark_done(status, expected):
    assert presenters.mark_done(status, child()) == expected


def test_register_links_keep_the_school():
    links = presenters.register_day_links(
        Municipality(slug="ville-a"), activity(), MONDAY, today=MONDAY, school="Pasteur"
    )
    assert links == {
        "previous_url": "/ville-a/gestion/pointage/?activite=3&date=2026-11-22&ecole=Pasteur",
        "next_url": "/ville-a/gestion/pointage/?activite=3&date=2026-11-24&ecole=Pasteur",
        "today_url": "/ville-a/gestion/pointage/?activite=3&date=2026-11-23&ecole=Pasteur",
    }
