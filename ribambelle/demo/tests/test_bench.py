import datetime
import json

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.urls import clear_url_caches, path

from ribambelle.accounts.models import Role, User
from ribambelle.demo.bench.pages import PAGES, BenchPage
from ribambelle.demo.management.commands import bench, seed_bench
from ribambelle.demo.management.commands.seed_bench import guardian_counts
from ribambelle.tenants.models import Department, Municipality

pytestmark = pytest.mark.django_db


def bench_parents():
    return User.objects.filter(municipality__slug="bench", role=Role.PARENT)


def test_guardian_counts_are_deterministic_and_about_1_6_per_household():
    counts = list(guardian_counts(5000))
    assert counts == list(guardian_counts(5000))
    assert set(counts) == {1, 2}
    assert 1.55 < sum(counts) / len(counts) < 1.65


def test_seed_bench_builds_the_municipality_with_one_shared_password_hash(capsys):
    call_command("seed_bench", households=30, children=48)

    municipality = Municipality.objects.get(slug="bench")
    assert municipality.name == "Bench-sur-Mer"
    assert Department.objects.filter(municipality=municipality).count() == 4
    assert set(
        User.objects.filter(municipality=municipality).staff().values_list("role", flat=True)
    ) == {
        Role.MANAGER,
        Role.AGENT,
        Role.READ_ONLY,
    }
    assert User.objects.get(email="manager@bench.example").role == Role.MANAGER
    assert bench_parents().count() == sum(guardian_counts(30))
    assert bench_parents().filter(email="parent1@bench.example").exists()
    assert User.objects.filter(municipality=municipality).values("password").distinct().count() == 1
    assert User.objects.get(email="parent1@bench.example").check_password(seed_bench.BENCH_PASSWORD)
    out = capsys.readouterr().out
    assert "built" in out
    assert "48 children" in out
    from ribambelle.families.models import Child, Guardian, Household

    assert Household.objects.filter(municipality=municipality).count() == 30
    assert Child.objects.filter(municipality=municipality).count() == 48
    assert Guardian.objects.filter(municipality=municipality, user__isnull=False).count() == (
        bench_parents().count()
    )
    assert "peak memory" in out


def test_seed_bench_is_idempotent_and_rebuilds_for_another_size(capsys):
    call_command("seed_bench", households=30, children=48)
    first_ids = set(bench_parents().values_list("pk", flat=True))
    capsys.readouterr()

    call_command("seed_bench", households=30, children=48)
    assert "already built" in capsys.readouterr().out
    assert set(bench_parents().values_list("pk", flat=True)) == first_ids

    call_command("seed_bench", households=40)
    assert bench_parents().count() == sum(guardian_counts(40))
    assert Municipality.objects.filter(slug="bench").count() == 1
    assert Department.objects.filter(municipality__slug="bench").count() == 4


def test_seed_bench_streams_in_batches(monkeypatch):
    monkeypatch.setattr(seed_bench, "BATCH_SIZE", 7)
    sizes = []
    original = User.objects.bulk_create

    def spy(objs, *args, **kwargs):
        objs = list(objs)
        sizes.append(len(objs))
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(User.objects, "bulk_create", spy)
    call_command("seed_bench", households=30)
    # Households go by half batches, each with one or two accounts: never more than a batch.
    assert max(sizes) <= 7
    assert len(sizes) > 5
    assert sum(sizes) == sum(guardian_counts(30)) + 3


def test_bench_measures_every_page_and_the_baseline(tmp_path):
    output = tmp_path / "b.json"
    call_command("bench", households=30, repeat=2, output=output)

    report = json.loads(output.read_text())
    assert report["households"] == 30
    assert report["database"] in {"sqlite", "postgresql"}
    assert {"python", "django", "date"} <= report.keys()
    assert report["seed"]["seconds"] >= 0
    assert report["seed"]["peak_rss_mb"] > 0
    assert report["seed"]["bookings"] > 30 * 100
    assert 0 < report["seed"]["bookings_seconds"] <= report["seed"]["seconds"]
    assert report["baseline"]["status"] == 200
    assert report["baseline"]["queries"] == 0
    assert [row["name"] for row in report["pages"]] == [page.name for page in PAGES]
    for page, row in zip(PAGES, report["pages"], strict=True):
        assert row["ok"], row
        assert row["method"] == page.method
        assert row["status"] in page.ok_statuses
        assert isinstance(row["queries"], int)
        assert row["query_counts"] == [row["queries"]]
        assert row["median_ms"] > 0
        assert row["p95_ms"] >= row["median_ms"]
        assert row["ratio"] > 0
        assert row["flags"] == bench.flags(row)
    assert report["targets"] == {
        "persona": "parent",
        "max_ratio": 8.0,
        "max_queries": 12,
        "ratio_to": "baseline",
    }
    assert report["http"] is None


def test_bench_prints_each_page_ratio_and_its_family_target(tmp_path, capsys):
    call_command("bench", households=30, repeat=1, output=tmp_path / "b.json")
    printed = capsys.readouterr().out
    assert "x baseline" in printed and "target" in printed
    report = json.loads((tmp_path / "b.json").read_text())
    for row in report["pages"]:
        line = next(line for line in printed.splitlines() if line.startswith(row["name"] + " "))
        assert f"{row['ratio']:.1f}" in line
        if row["persona"] == "parent":
            assert ("OVER" in line) is bool(row["flags"])
    assert "Family pages: at most 8x the baseline" in printed


def test_bench_fails_on_a_page_that_is_not_200(tmp_path, monkeypatch):
    broken = BenchPage(
        "parent on staff page", "backoffice:home", {"municipality_slug": "bench"}, "parent"
    )
    monkeypatch.setattr("ribambelle.demo.management.commands.bench.PAGES", [broken])
    output = tmp_path / "b.json"

    with pytest.raises(CommandError, match="parent on staff page: status 403"):
        call_command("bench", households=5, repeat=1, output=output)
    assert json.loads(output.read_text())["pages"][0]["status"] == 403


@pytest.fixture
def bench_route(monkeypatch):
    """Adds views to the URLconf that `manage.py bench` uses, for the length of a test."""
    from ribambelle.demo.bench import urls as bench_urls

    def add(route, view, name):
        monkeypatch.setattr(
            bench_urls, "urlpatterns", [path(route, view, name=name), *bench_urls.urlpatterns]
        )
        clear_url_caches()

    yield add
    clear_url_caches()


@pytest.fixture
def post_view(bench_route):
    """A view that records what it receives and redirects, or answers 400 when asked to fail."""
    events = []

    def view(request):
        events.append(("request", request.method, request.POST.get("n")))
        if request.POST.get("fail"):
            return HttpResponseBadRequest()
        return HttpResponseRedirect("/_bench/baseline/")

    bench_route("_bench/post/", view, "bench_post")
    return events


def test_bench_page_method_payload_and_statuses():
    assert BenchPage("a", "root").ok_statuses == {200}
    assert BenchPage("a", "root", method="post").ok_statuses == {200, 302}
    assert BenchPage("a", "root", method="post").payload() == {}
    assert BenchPage("a", "root", method="post", data={"x": "1"}).payload() == {"x": "1"}
    assert BenchPage("a", "root", method="post", data=lambda: {"y": 2}).payload() == {"y": 2}
    with pytest.raises(ValueError, match="method"):
        BenchPage("a", "root", method="put")


def test_bench_post_page_runs_before_and_data_untimed_before_each_request(
    tmp_path, monkeypatch, post_view
):
    numbers = iter(range(100))

    def data():
        post_view.append(("data",))
        return {"n": str(next(numbers))}

    page = BenchPage(
        "post page",
        "bench_post",
        method="post",
        data=data,
        before=lambda: post_view.append(("before",)),
    )
    monkeypatch.setattr("ribambelle.demo.management.commands.bench.PAGES", [page])
    output = tmp_path / "b.json"
    call_command("bench", households=5, repeat=3, output=output)

    [row] = json.loads(output.read_text())["pages"]
    assert (row["method"], row["status"], row["ok"]) == ("post", 302, True)
    # The view runs no query: the callables' work is not counted, nor timed.
    assert row["query_counts"] == [0]
    warmup = bench.WARMUP
    assert post_view == [
        event
        for n in range(warmup + 3)
        for event in (("before",), ("data",), ("request", "POST", str(n)))
    ]


def test_bench_fails_on_a_redirected_get_and_a_refused_post(tmp_path, monkeypatch, post_view):
    pages = [
        BenchPage("redirected get", "bench_post"),
        BenchPage("refused post", "bench_post", method="post", data={"fail": "1"}),
    ]
    monkeypatch.setattr("ribambelle.demo.management.commands.bench.PAGES", pages)
    output = tmp_path / "b.json"

    with pytest.raises(CommandError, match="redirected get: status 302; refused post: status 400"):
        call_command("bench", households=5, repeat=1, output=output)
    rows = json.loads(output.read_text())["pages"]
    assert [(row["method"], row["status"], row["ok"]) for row in rows] == [
        ("get", 302, False),
        ("post", 400, False),
    ]


def test_bench_post_page_with_a_real_write_keeps_its_query_count(
    tmp_path, monkeypatch, bench_route
):
    """What a booking page does: each POST books a day, `before` cancels it again through the
    service, so that every repetition does the same work and the counters stay exact."""
    from ribambelle.bookings import rules, services
    from ribambelle.bookings.models import Activity, Booking, DayCount
    from ribambelle.bookings.rules import PARIS
    from ribambelle.families.models import Child

    monday = datetime.date(2027, 1, 11)

    def change(book):
        child = Child.objects.filter(municipality__slug="bench").earliest("pk")
        canteen = Activity.objects.get(municipality__slug="bench", name="Restauration scolaire")
        [outcome] = services.bookings_apply(
            municipality=child.municipality,
            household=child.household,
            actor=None,
            changes=[rules.Change(child.pk, canteen.pk, monday, book)],
        )
        return outcome

    def view(request):
        assert change(True).kind == services.BOOKED
        return HttpResponseRedirect("/_bench/baseline/")

    bench_route("_bench/book/", view, "bench_book")
    page = BenchPage("book a day", "bench_book", method="post", before=lambda: change(False))
    monkeypatch.setattr("ribambelle.demo.management.commands.bench.PAGES", [page])
    output = tmp_path / "b.json"
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS), tick=True):
        call_command("bench", households=5, repeat=3, output=output)

    [row] = json.loads(output.read_text())["pages"]
    assert row["ok"] and len(row["query_counts"]) == 1 and row["queries"] > 3
    canteen = Activity.objects.get(municipality__slug="bench", name="Restauration scolaire")
    booked = Booking.objects.filter(activity=canteen, date=monday).count()
    # Every bench child eats at the canteen on Mondays, the benched one included.
    assert booked == Child.objects.filter(municipality__slug="bench").count()
    assert DayCount.objects.get(activity=canteen, date=monday).booked == booked


@pytest.mark.parametrize(
    ("persona", "ratio", "queries", "expected"),
    [
        ("parent", 8.0, 12, []),
        ("parent", 8.1, 12, ["> 8x"]),
        ("parent", 3.0, 13, ["> 12 queries"]),
        ("parent", 9.0, 20, ["> 8x", "> 12 queries"]),
        ("manager", 50.0, 40, []),
        ("anonymous", 9.0, 13, []),
    ],
)
def test_family_pages_are_flagged_over_their_targets(persona, ratio, queries, expected):
    row = {"persona": persona, "ratio": ratio, "queries": queries}
    assert bench.flags(row) == expected


def test_a_familys_bulk_post_is_held_to_its_time_not_to_a_pages_targets():
    row = {"persona": "parent", "ratio": 200.0, "queries": 20, "bulk": True, "max_ms": 300.0}
    assert bench.flags({**row, "median_ms": 250.0}) == []
    assert bench.flags({**row, "median_ms": 301.0}) == ["> 300 ms"]
    assert bench.flags({**row, "bulk": False, "median_ms": 250.0}) == ["> 8x", "> 12 queries"]


@pytest.mark.parametrize(("median", "expected"), [(1500.0, []), (1500.1, ["> 1500 ms"])])
def test_a_staff_action_is_flagged_over_its_time_target(median, expected):
    row = {"persona": "manager", "ratio": 900.0, "queries": 30, "median_ms": median}
    assert bench.flags({**row, "max_ms": 1500.0}) == expected
    assert bench.flags({**row, "max_ms": None}) == []


def test_issuing_the_run_is_measured_and_rolled_back(tmp_path, capsys):
    """The run is issued by the staff view, each time in a transaction rolled back: it stays a
    draft, with no number, no movement on the families' accounts and no direct debit."""
    from ribambelle.billing.models import AccountMovement, Invoice, InvoiceRun

    output = tmp_path / "b.json"
    call_command("bench", households=30, repeat=2, output=output, pages="run issue")
    (row,) = json.loads(output.read_text())["pages"]
    assert row["name"] == "invoice run issue (month, every household)"
    assert row["ok"] and row["status"] == 302
    assert row["max_ms"] in {1500.0, 3000.0}
    run = InvoiceRun.objects.get(
        municipality__slug="bench", month=datetime.date.today().replace(day=1)
    )
    assert run.status == InvoiceRun.Status.DRAFT
    invoices = Invoice.objects.filter(run=run)
    assert invoices.count() > 0
    assert not invoices.exclude(number="").exists()
    assert not AccountMovement.objects.filter(invoice__run=run).exists()
    assert "invoice run issue (month, every household): at most" in capsys.readouterr().out


def test_pages_are_chosen_by_words_of_their_names():
    assert [p.name for p in bench.chosen_pages("")] == [p.name for p in PAGES]
    chosen = [p.name for p in bench.chosen_pages("grid, Home")]
    assert chosen == ["portal home", "staff home", "bookings grid"]
    with pytest.raises(CommandError, match="no page"):
        bench.chosen_pages("nothing-like-this")


def test_the_toggle_page_unticks_and_ticks_in_turn_without_a_reset(tmp_path):
    """Each request undoes the previous one (no reset between them); its setup books the cell
    once before the warm-up, and the counters stay exact."""
    from ribambelle.bookings.models import Booking, DayCount
    from ribambelle.demo.bench import booking_pages

    output = tmp_path / "b.json"
    call_command("bench", households=30, repeat=3, output=output, pages="toggle")
    (row,) = json.loads(output.read_text())["pages"]
    assert row["name"] == "booking cell toggle (htmx)"
    assert row["ok"] and row["status"] == 200
    assert row["query_counts"] == [row["queries"]]
    # Three warm-up and three measured requests from a booked cell: booked again at the end.
    canteen, day = booking_pages._toggle_day()
    child_id = booking_pages._ids()[1]
    assert Booking.objects.filter(child_id=child_id, activity=canteen, date=day).count() == 1
    counter = DayCount.objects.get(activity=canteen, date=day)
    assert counter.booked == Booking.objects.filter(activity=canteen, date=day).count()
    booking_pages.start_toggling()
    assert ["cell" in booking_pages.toggle_payload() for _ in range(4)] == [
        False,
        True,
        False,
        True,
    ]
