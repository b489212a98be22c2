import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ribambelle.accounts.models import Role, User
from ribambelle.core.bench import PAGES, BenchPage
from ribambelle.core.management.commands import seed_bench
from ribambelle.core.management.commands.seed_bench import guardian_counts
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
    assert report["baseline"]["status"] == 200
    assert report["baseline"]["queries"] == 0
    assert [row["name"] for row in report["pages"]] == [page.name for page in PAGES]
    for row in report["pages"]:
        assert row["status"] == 200, row
        assert isinstance(row["queries"], int)
        assert row["query_counts"] == [row["queries"]]
        assert row["median_ms"] > 0
        assert row["p95_ms"] >= row["median_ms"]
        assert row["ratio"] > 0


def test_bench_fails_on_a_page_that_is_not_200(tmp_path, monkeypatch):
    broken = BenchPage(
        "parent on staff page", "backoffice:home", {"municipality_slug": "bench"}, "parent"
    )
    monkeypatch.setattr("ribambelle.core.management.commands.bench.PAGES", [broken])
    output = tmp_path / "b.json"

    with pytest.raises(CommandError, match="parent on staff page: status 403"):
        call_command("bench", households=5, repeat=1, output=output)
    assert json.loads(output.read_text())["pages"][0]["status"] == 403
