"""The pure parts of the deadline-rush harness (`manage.py rush`), so that it cannot rot between
two runs: the arrival schedule, the percentiles and table, what the client reads from the real
grid and posts back, and the database check that must catch a lost or duplicated booking."""

import asyncio
import datetime
import io
import itertools
import statistics
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import httpx
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, identify_hasher
from django.core.management import call_command

from ribambelle.accounts.models import User
from ribambelle.bookings.grid_post import CellKey
from ribambelle.bookings.models import DayCount
from ribambelle.bookings.tests.conftest import MONDAY, make_activity
from ribambelle.bookings.tests.factories import BookingFactory
from ribambelle.demo.rush import check, client, forms, prepare, schedule, stats
from ribambelle.tenants.models import Municipality

NEXT_WEEK = MONDAY + datetime.timedelta(days=7)


@pytest.fixture
def canteen(municipality_a, department_a):
    return make_activity(municipality_a, department_a)


# Arrivals


def test_arrivals_bring_every_parent_within_the_window_in_order():
    times = schedule.arrivals(200, 60, seed=1)
    assert len(times) == 200
    assert times == sorted(times)
    assert all(0 <= t < 60 for t in times)


def test_arrivals_are_replayable_and_change_with_the_seed():
    assert schedule.arrivals(50, 10, seed=3) == schedule.arrivals(50, 10, seed=3)
    assert schedule.arrivals(50, 10, seed=3) != schedule.arrivals(50, 10, seed=4)


def test_arrivals_look_like_a_poisson_process():
    """Gaps of mean T/N whose spread equals their mean (exponential), and counts per second
    whose variance equals their mean (Poisson), unlike an even or bursty schedule."""
    parents, seconds = 5000, 1000
    times = schedule.arrivals(parents, seconds, seed=7)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    mean = statistics.fmean(gaps)
    assert mean == pytest.approx(seconds / parents, rel=0.05)
    assert statistics.pstdev(gaps) / mean == pytest.approx(1, abs=0.1)
    per_second = Counter(int(t) for t in times)
    counts = [per_second.get(s, 0) for s in range(seconds)]
    assert statistics.pvariance(counts) / statistics.fmean(counts) == pytest.approx(1, abs=0.15)


@pytest.mark.parametrize(("parents", "seconds"), [(-1, 10), (5, 0)])
def test_arrivals_refuse_nonsense(parents, seconds):
    with pytest.raises(ValueError):
        schedule.arrivals(parents, seconds, seed=1)


def test_cells_to_toggle_are_distinct_replayable_and_bounded():
    cells = [f"1:2:2026-12-{d:02d}" for d in range(1, 11)]
    chosen = schedule.cells_to_toggle(cells, 5, seed=1, parent=3)
    assert len(set(chosen)) == 5 and set(chosen) <= set(cells)
    assert chosen == schedule.cells_to_toggle(list(reversed(cells)), 5, seed=1, parent=3)
    assert schedule.cells_to_toggle(cells[:2], 5, seed=1, parent=3) in (cells[:2], cells[1::-1])


# Percentiles and table


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        (list(range(1, 101)), 0.5, 50),
        (list(range(1, 101)), 0.95, 95),
        (list(range(1, 101)), 0.99, 99),
        (list(range(100, 0, -1)), 0.99, 99),
        ([7.5], 0.99, 7.5),
        ([1, 2, 3, 1000], 0.5, 2),
        ([1, 2, 3, 1000], 0.95, 1000),
    ],
)
def test_percentile_is_the_nearest_rank(values, fraction, expected):
    assert stats.percentile(values, fraction) == expected


@pytest.mark.parametrize(("values", "fraction"), [([], 0.5), ([1], 0), ([1], 1.5)])
def test_percentile_refuses_nonsense(values, fraction):
    with pytest.raises(ValueError):
        stats.percentile(values, fraction)


def test_the_table_has_every_step_with_its_errors():
    recorder = stats.Recorder()
    for ms in (10, 20, 30):
        recorder.ok("toggle", ms)
    recorder.error("login", "status 400")
    rows = stats.step_rows(recorder)
    assert [row["step"] for row in rows] == list(stats.STEPS)
    toggle = next(row for row in rows if row["step"] == "toggle")
    assert (toggle["requests"], toggle["p50_ms"], toggle["p99_ms"]) == (3, 20, 30)
    assert recorder.requests == 4 and recorder.error_count == 1
    lines = stats.table(rows)
    assert lines[0].split() == ["step", "ok", "errors", "p50", "ms", "p95", "ms", "p99", "ms"]
    assert any(line.startswith("login ") and line.split()[1:3] == ["0", "1"] for line in lines)


# The database check


def key(day: int, child=1, activity=2) -> CellKey:
    return CellKey(child, activity, datetime.date(2026, 12, day))


def test_cell_check_finds_lost_duplicated_and_left_over_rows():
    acknowledged = {key(1): True, key(2): True, key(3): False, key(4): True, key(5): False}
    rows = {key(1): 1, key(2): 2, key(3): 1, key(5): 0}
    assert check.cell_problems(acknowledged, rows) == [
        f"duplicated booking {key(2)}: 2 rows",
        f"cancellation {key(3)} left 1 row(s)",
        f"lost booking {key(4)}",
    ]
    assert check.cell_problems({key(1): True, key(3): False}, {key(1): 1}) == []


def test_counter_check_finds_a_wrong_and_a_missing_counter():
    day = datetime.date(2026, 12, 1)
    other = datetime.date(2026, 12, 2)
    assert check.counter_problems({(2, day): 3}, {(2, day): 3}) == []
    assert check.counter_problems({(2, day): 4, (2, other): 0}, {(2, day): 3, (3, day): 1}) == [
        "counter 2:2026-12-01 says 4, 3 bookings",
        "counter 3:2026-12-01 says 0, 1 bookings",
    ]


@pytest.mark.django_db
def test_database_check_reads_the_rows_and_counters(municipality_a, child_a, canteen):
    booked = BookingFactory(child=child_a, activity=canteen, date=NEXT_WEEK)
    DayCount.objects.create(activity=canteen, date=NEXT_WEEK, booked=1)
    kept = CellKey(child_a.pk, canteen.pk, NEXT_WEEK)
    tuesday = NEXT_WEEK + datetime.timedelta(days=1)
    lost = CellKey(child_a.pk, canteen.pk, tuesday)
    assert check.database_problems(municipality_a, NEXT_WEEK, {kept: True}) == []
    assert check.database_problems(municipality_a, NEXT_WEEK, {kept: True, lost: True}) == [
        f"lost booking {lost}"
    ]
    assert check.database_problems(municipality_a, NEXT_WEEK, {kept: False}) == [
        f"cancellation {kept} left 1 row(s)"
    ]
    booked.delete()
    assert check.database_problems(municipality_a, NEXT_WEEK, {}) == [
        f"counter {canteen.pk}:{NEXT_WEEK.isoformat()} says 1, 0 bookings"
    ]


# What the client reads and posts


PAGE = """
<form method="post" action="/x/connexion/"><input type="hidden" name="csrfmiddlewaretoken"
 value="tok"><input type="hidden" name="next" value=""><input type="email" name="email">
<input type="password" name="password"><button type="submit">Go</button></form>
<form method="post" action="/x/reservations/enregistrer/">
<input type="hidden" name="csrfmiddlewaretoken" value="tok2">
<input type="hidden" name="child" value="7"><input type="hidden" name="semaine" value="2026-12-07">
<table><tr>
<td class="cell cell--booked"><input type="hidden" name="shown" value="7:1:2026-12-07">
<input type="hidden" name="booked" value="7:1:2026-12-07">
<input type="checkbox" name="cell" value="7:1:2026-12-07" checked></td>
<td class="cell cell--open"><input type="hidden" name="shown" value="7:1:2026-12-08">
<input type="checkbox" name="cell" value="7:1:2026-12-08"></td>
<td class="cell cell--not_allowed cell--refused"><span class="cell__box" id="case-7-4-20261209"
 tabindex="0">Non</span></td>
</tr></table><button type="submit" name="week" value="1">Semaine</button></form>
"""


def test_forms_are_read_as_a_browser_submits_them():
    login = forms.login_form(PAGE)
    assert login.action == "/x/connexion/"
    assert [name for name, _value in login.fields] == [
        "csrfmiddlewaretoken",
        "next",
        "email",
        "password",
    ]
    grid = forms.child_forms(PAGE)["7"]
    assert grid.cells == {"7:1:2026-12-07": True, "7:1:2026-12-08": False}
    assert grid.fixed == {"7:4:2026-12-09": "not_allowed"}
    assert (grid.booked("7:1:2026-12-07"), grid.booked("7:4:2026-12-09")) == (True, False)
    assert grid.booked("7:1:2026-12-31") is None
    assert grid.toggle_data("7:1:2026-12-08", True)[-3:] == [
        ("cell", "7:1:2026-12-07"),
        ("cell", "7:1:2026-12-08"),
        ("toggle", "7:1:2026-12-08"),
    ]
    assert ("cell", "7:1:2026-12-07") not in grid.toggle_data("7:1:2026-12-07", False)
    with pytest.raises(KeyError):
        grid.toggle_data("7:4:2026-12-09", True)


def test_a_page_without_login_form_is_refused():
    with pytest.raises(ValueError):
        forms.login_form("<p>Erreur</p>")


@pytest.mark.django_db
def test_the_client_reads_the_real_grid_and_its_htmx_post_books(
    frozen, alice_client, child_a, canteen
):
    """What the rush posts is what htmx posts from the real template; the answer redraws the
    cell booked, and posting it again (a retry) changes nothing."""
    grid_url = f"/ville-a/reservations/?semaine={NEXT_WEEK.isoformat()}"
    page = alice_client.get(grid_url)
    form = forms.child_forms(page.content.decode())[str(child_a.pk)]
    cell = str(CellKey(child_a.pk, canteen.pk, NEXT_WEEK))
    assert form.cells[cell] is False
    body = urlencode(form.toggle_data(cell, True))
    for _attempt in range(2):
        answer = alice_client.post(
            form.action,
            body,
            content_type="application/x-www-form-urlencoded",
            headers={"HX-Request": "true"},
        )
        assert answer.status_code == 200
        assert forms.child_forms(answer.content.decode())[str(child_a.pk)].booked(cell) is True
    assert (
        check.database_problems(
            municipality=child_a.municipality,
            monday=NEXT_WEEK,
            acknowledged={CellKey.parse(cell, child_id=0): True},
        )
        == []
    )


# Retries


def send_through(failures: list[Exception]) -> tuple[object, stats.Recorder, int]:
    """One GET through a transport that raises `failures` first, then answers 200 with a
    session cookie; returns the answer, the recorder and the number of attempts."""
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) <= len(failures):
            raise failures[len(attempts) - 1]
        return httpx.Response(200, headers={"Set-Cookie": "sessionid=abc; Secure; Path=/"})

    async def run():
        recorder = stats.Recorder()
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            target = client.Target(8000, "x", NEXT_WEEK, "pw", cells=5, seed=1)
            parent = client.Parent(http, target, recorder)
            answer = await parent.send("grid", "GET", "/x/")
            return answer, recorder, parent.cookies

    # In a thread of its own: a browser test may have left an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        answer, recorder, cookies = pool.submit(lambda: asyncio.run(run())).result()
    if answer is not None:
        assert cookies == {"sessionid": "abc"}
        assert attempts[-1].headers["X-Forwarded-Proto"] == "https"
    return answer, recorder, len(attempts)


def test_a_cut_connection_is_sent_once_more():
    answer, recorder, attempts = send_through([httpx.RemoteProtocolError("cut")])
    assert answer is not None and attempts == 2
    assert (recorder.retried["grid"], recorder.error_count, len(recorder.samples["grid"])) == (
        1,
        0,
        1,
    )


def test_a_second_failure_or_a_timeout_is_an_error_without_more_retries():
    answer, recorder, attempts = send_through([httpx.ConnectError("no"), httpx.ReadError("no")])
    assert answer is None and attempts == 2 and recorder.errors["grid"] == 1
    answer, recorder, attempts = send_through([httpx.ReadTimeout("slow")])
    assert answer is None and attempts == 1
    assert (recorder.retries, recorder.errors["grid"]) == (0, 1)


# The rush's data


@pytest.mark.django_db
@pytest.mark.real_hasher
def test_the_parents_are_drawn_from_distinct_households_with_real_argon2_passwords(frozen):
    call_command("seed_bench", households=30, children=48, stdout=io.StringIO())
    municipality = Municipality.objects.get(slug="bench")
    # A fast hash, as a seed might store: the rush replaces it.
    fast = PBKDF2PasswordHasher().encode("x", "salt", iterations=1)
    User.objects.filter(municipality=municipality).update(password=fast)
    parents = prepare.choose_parents(municipality, 8, seed=2)
    assert parents == prepare.choose_parents(municipality, 8, seed=2)
    assert parents != prepare.choose_parents(municipality, 8, seed=3)
    assert len({p.household_id for p in parents}) == len({p.email for p in parents}) == 8
    with pytest.raises(ValueError):
        prepare.choose_parents(municipality, 31, seed=2)

    assert prepare.give_real_passwords(municipality, parents) == "argon2"
    for user in User.objects.filter(email__in=[p.email for p in parents]):
        assert identify_hasher(user.password).algorithm == "argon2"
        assert check_password(prepare.RUSH_PASSWORD, user.password)
    others = User.objects.filter(municipality=municipality).exclude(
        email__in=[p.email for p in parents]
    )
    assert {identify_hasher(u.password).algorithm for u in others} == {"pbkdf2_sha256"}

    monday = prepare.rush_week(municipality, datetime.date(2026, 11, 25))
    assert monday.weekday() == 0 and monday >= datetime.date(2026, 12, 14)
