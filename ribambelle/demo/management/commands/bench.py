"""`manage.py bench`: server-side timings and SQL query counts of the main pages against a
large synthetic municipality, next to a trivial view going through the same middleware.

The ratio to that baseline, rather than raw milliseconds, is what stays comparable from one
machine to another; the query count, which must not vary between repetitions, is what reveals
an N+1 long before the timings do.

With `--http`, the pages are then requested again over HTTP from gunicorn (sync workers, DEBUG
off, as `manage.py rush` runs it), one request at a time, next to the same trivial view over HTTP,
measured again just before each page (the machine's speed drifts within a run), in its cadence
(after the page's untimed reset, when it has one, as the page is): the family
targets then apply to that ratio, which includes what a real request costs (the WSGI
server, the socket, the whole response). Query counts still come from the in-process pass."""

import json
import logging
import platform
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from ribambelle.accounts.models import User
from ribambelle.demo.bench import http
from ribambelle.demo.bench.pages import BENCH_SLUG, PAGES, PERSONAS, BenchPage
from ribambelle.demo.bench.targets import (
    FAMILY_PERSONA,
    MAX_QUERIES,
    MAX_RATIO,
    flags,
    percentile,
)
from ribambelle.demo.management.commands.seed_bench import Command as SeedBenchCommand

BENCH_HOST = "127.0.0.1"
BASELINE_PATH = "/_bench/baseline/"
WARMUP = 3


def chosen_pages(words: str) -> list[BenchPage]:
    """The pages whose name contains one of the comma-separated words; all without any."""
    wanted = [word.strip().casefold() for word in words.split(",") if word.strip()]
    if not wanted:
        return list(PAGES)
    found = [page for page in PAGES if any(word in page.name.casefold() for word in wanted)]
    if not found:
        raise CommandError(f"--pages {words!r}: no page's name contains these words.")
    return found


class Command(BaseCommand):
    help = "Measure the main pages (median, p95, SQL queries) against the 'bench' municipality."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=5000)
        parser.add_argument("--children", type=int, default=None)
        parser.add_argument("--repeat", type=int, default=30)
        parser.add_argument("--output", type=Path, default=None)
        parser.add_argument("--force", action="store_true", help="Write into any database.")
        parser.add_argument(
            "--http",
            action="store_true",
            help="Also measure the pages over HTTP against gunicorn (the targets apply there).",
        )
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (--http).")
        parser.add_argument(
            "--pages",
            default="",
            help="Only the pages whose name contains one of these comma-separated words "
            "(e.g. --pages grid,home); all by default.",
        )

    def handle(self, *args, households, children, repeat, output, force, workers, **options):
        if repeat < 1:
            raise CommandError("--repeat must be at least 1.")
        if not 1 <= workers <= 16:
            raise CommandError("--workers 1..16.")
        over_http = options["http"]
        pages = chosen_pages(options["pages"])
        output = Path(output) if output else Path(settings.VAR_DIR) / "bench.json"
        verbosity = options["verbosity"]
        call_command("migrate", interactive=False, verbosity=0)
        seeder = SeedBenchCommand()
        if children is None:
            children = round(households * 1.6)
        call_command(
            seeder,
            households=households,
            children=children,
            force=force,
            verbosity=verbosity,
            stdout=self.stdout,
            stderr=self.stderr,
        )

        # Production settings stay as they are, except what a test client cannot provide: a
        # known host, and static files without a collectstatic manifest.
        with (
            warnings.catch_warnings(),
            override_settings(
                ROOT_URLCONF="ribambelle.demo.bench.urls",
                ALLOWED_HOSTS=[BENCH_HOST],
                STORAGES={
                    **settings.STORAGES,
                    "staticfiles": {
                        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
                    },
                },
            ),
        ):
            # WhiteNoise warns that STATIC_ROOT does not exist: files are not what is measured.
            warnings.filterwarnings("ignore", message="No directory at")
            baseline = self._measure(BASELINE_PATH, None, repeat)
            results = []
            for page in pages:
                result = {
                    "name": page.name,
                    "persona": page.persona,
                    "max_ms": page.max_ms.get(connection.vendor),
                    "bulk": page.bulk,
                    **self._measure(self._url(page), PERSONAS[page.persona], repeat, page),
                }
                result["ratio"] = round(result["median_ms"] / baseline["median_ms"], 1)
                results.append(result)
            served = self._measure_http(results, repeat, workers, output) if over_http else None
        for result in results:
            result["flags"] = flags(result, over_http=over_http)

        report = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": connection.vendor,
            "python": platform.python_version(),
            "django": django.get_version(),
            "debug": settings.DEBUG,
            "households": households,
            "parents": seeder.report.parents,
            "repeat": repeat,
            "warmup": WARMUP,
            "seed": {
                "built": seeder.report.built,
                "seconds": round(seeder.report.seconds, 3),
                "peak_rss_mb": round(seeder.report.peak_rss_mb, 1),
                "bookings": seeder.report.bookings,
                "bookings_seconds": round(seeder.report.bookings_seconds, 3),
            },
            "baseline": baseline,
            # None without --http; else gunicorn's workers, its log and the floor over HTTP.
            "http": served,
            "targets": {
                "persona": FAMILY_PERSONA,
                "max_ratio": MAX_RATIO,
                "max_queries": MAX_QUERIES,
                "ratio_to": "http baseline" if over_http else "baseline",
            },
            "pages": results,
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        if over_http:
            self._print_http_table(report)
        else:
            self._print_table(report)
        self.stdout.write(f"Figures written to {output}")

        failures = [
            f"{row['name']}: status {row['status']}" for row in results if not row["ok"]
        ] + [
            f"{row['name']}: query count varies {row['query_counts']}"
            for row in results
            if len(row["query_counts"]) > 1
        ]
        if not baseline["ok"]:
            failures.append(f"baseline: status {baseline['status']}")
        if served is not None:
            failures += [
                f"{row['name']} over HTTP: status {row['http']['status']}"
                for row in results
                if row["http"] is not None and not row["http"]["ok"]
            ]
            if not served["baseline"]["ok"]:
                failures.append(f"baseline over HTTP: status {served['baseline']['status']}")
        if failures:
            raise CommandError("Bench failed: " + "; ".join(failures))

    def _url(self, page: BenchPage) -> str:
        url = reverse(page.url_name, kwargs=page.url_kwargs())
        query = page.query() if callable(page.query) else page.query
        return f"{url}?{query}" if query else url

    def _measure(
        self, url: str, email: str | None, repeat: int, page: BenchPage | None = None
    ) -> dict:
        """Time `repeat` requests after a warm-up. A page's `before` and `data` run outside the
        timing and outside the query count."""
        method = page.method if page else "get"
        ok_statuses = page.ok_statuses if page else frozenset({200})
        headers = page.headers if page else {}
        # A fresh client per page: no cookie or session carried over from another persona.
        # Like every test client, it does not enforce CSRF checks, so POSTs need no token.
        client = Client(HTTP_HOST=BENCH_HOST)
        if email is not None:
            client.force_login(User.objects.get(municipality__slug=BENCH_SLUG, email=email))

        def prepare() -> dict:
            if page is not None and page.before is not None:
                page.before()
            return page.payload() if page is not None and method == "post" else {}

        def send(data: dict):
            if method == "post":
                return client.post(url, data, secure=True, headers=headers)
            return client.get(url, secure=True, headers=headers)

        rolled_back = page is not None and page.rolled_back

        def sent(data: dict):
            if not rolled_back:
                return send(data)
            with transaction.atomic():
                response = send(data)
                transaction.set_rollback(True)
            return response

        if page is not None and page.setup is not None:
            page.setup()
        for _ in range(WARMUP):
            sent(prepare())
        timings, counts, statuses = [], set(), set()
        for _ in range(repeat):
            data = prepare()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = sent(data)
                timings.append((time.perf_counter() - started) * 1000)
            counts.add(len(queries))
            statuses.add(response.status_code)
        wrong = statuses - ok_statuses
        return {
            "url": url,
            "method": method,
            "status": min(wrong or statuses),
            "ok": not wrong,
            "median_ms": round(statistics.median(timings), 3),
            "p95_ms": round(percentile(timings, 0.95), 3),
            "queries": max(counts),
            "query_counts": sorted(counts),
        }

    def _measure_http(self, results: list[dict], repeat: int, workers: int, output: Path) -> dict:
        """The HTTP pass: gunicorn started as the rush starts it, then the baseline and every
        page that has `over_http`, one request at a time; gunicorn is stopped whatever happens.
        Adds each row's "http" figures (None for a page measured in-process only)."""
        from ribambelle.demo.rush import server

        # httpx logs every request at INFO.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        env = server.server_environment(Path(settings.VAR_DIR) / "bench-static")
        # The baseline view, and this process's key: the sessions it opens must be valid there.
        env.update(RIBAMBELLE_BENCH_URLCONF="1", SECRET_KEY=settings.SECRET_KEY)
        server.collect_static(env)
        log = output.parent / f"{output.stem}-gunicorn.log"
        gunicorn = server.Gunicorn(port=server.free_port(), workers=workers, env=env, log=log)
        try:
            try:
                gunicorn.start(BASELINE_PATH)
            except RuntimeError as exc:
                raise CommandError(f"{exc}\n{server.log_tail(log)}") from None
            origin = f"https://{BENCH_HOST}:{gunicorn.port}"
            with http.client_for(f"http://{BENCH_HOST}:{gunicorn.port}") as client:
                baseline = self._measure_over_http(
                    http.Visitor(client, origin, {}), BASELINE_PATH, repeat
                )
                by_name = {page.name: page for page in PAGES}
                for row in results:
                    page = by_name[row["name"]]
                    if not page.over_http:
                        row["http"] = None
                        continue
                    email = PERSONAS[page.persona]
                    cookies = (
                        {}
                        if email is None
                        else http.signed_in_cookies(
                            User.objects.get(municipality__slug=BENCH_SLUG, email=email)
                        )
                    )
                    # A fresh browser per page, as in-process.
                    visitor = http.Visitor(client, origin, cookies)
                    # The status it answered in-process, not any of the page's: a POST that
                    # a lost session redirects to the login page must not pass as a success.
                    expected = frozenset({row["status"]}) if row["ok"] else page.ok_statuses
                    # The floor again, measured as at the start (warm-up, then `repeat`
                    # requests) just before the page: its ratio is to the floor of the same
                    # minute, whatever the machine's speed did since the start. And in the
                    # page's cadence: its `before()` runs before each floor request too, since
                    # the server, idle while this process resets the state, answers the next
                    # request about 1 ms slower, floor or page (docs/performance.md).
                    floor = self._measure_over_http(
                        http.Visitor(client, origin, {}), BASELINE_PATH, repeat, reset=page.before
                    )
                    row["http"] = self._measure_over_http(
                        visitor, row["url"], repeat, page, expected
                    )
                    row["http"]["floor_median_ms"] = floor["median_ms"]
                    row["http"]["ratio"] = round(row["http"]["median_ms"] / floor["median_ms"], 1)
        finally:
            gunicorn.stop()
        return {
            "server": "gunicorn",
            "workers": workers,
            "worker_class": "sync",
            "log": str(log),
            "baseline": baseline,
            "skipped": [row["name"] for row in results if row.get("http", ...) is None],
        }

    @staticmethod
    def _measure_over_http(
        visitor: http.Visitor,
        path: str,
        repeat: int,
        page: BenchPage | None = None,
        ok_statuses: frozenset[int] = frozenset({200}),
        reset: Callable[[], object] | None = None,
    ) -> dict:
        method = page.method if page else "get"
        if page is not None and page.setup is not None:
            page.setup()

        def prepare() -> dict:
            if page is not None and page.before is not None:
                page.before()
            if reset is not None:
                reset()
            return page.payload() if page is not None and method == "post" else {}

        return http.measure(
            visitor,
            path,
            method=method,
            headers=page.headers if page else {},
            prepare=prepare,
            ok_statuses=ok_statuses,
            warmup=WARMUP,
            repeat=repeat,
            percentile=percentile,
        )

    def _print_header(self, report: dict) -> None:
        seed = report["seed"]
        served = report["http"]
        self.stdout.write(
            f"\n{report['database']}, {report['households']} households, "
            f"{report['parents']} parents, {report['repeat']} requests per page "
            f"(after {report['warmup']} warm-up), Python {report['python']}, "
            f"Django {report['django']}, DEBUG {'on' if report['debug'] else 'off'}"
            + (
                f"; over HTTP: gunicorn, {served['workers']} {served['worker_class']} workers, "
                "one request at a time"
                if served
                else ""
            )
        )
        self.stdout.write(
            f"seed_bench: {'built' if seed['built'] else 'already built'} in "
            f"{seed['seconds']:.2f} s ({seed['bookings']} bookings, written in "
            f"{seed['bookings_seconds']:.2f} s), peak memory {seed['peak_rss_mb']:.1f} MB\n"
        )

    def _print_rows(self, rows: Sequence[tuple[str, ...]]) -> None:
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for index, row in enumerate(rows):
            cells = [row[0].ljust(widths[0])] + [
                cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
            ]
            line = "  ".join(cells).rstrip()
            self.stdout.write(self.style.MIGRATE_HEADING(line) if index == 0 else line)

    def _print_missed(self, report: dict, floor: str) -> None:
        missed = [row for row in report["pages"] if row.get("flags")]
        self.stdout.write(
            f"\nFamily pages: at most {MAX_RATIO:g}x the {floor} and {MAX_QUERIES} queries."
        )
        for row in report["pages"]:
            if row.get("max_ms") is not None:
                self.stdout.write(
                    f"{row['name']}: at most {row['max_ms']:g} ms in-process on"
                    f" {report['database']} ({row['median_ms']:.0f} ms in this run)."
                )
        for row in missed:
            self.stdout.write(
                self.style.WARNING(f"  over target: {row['name']} ({', '.join(row['flags'])})")
            )
        if not missed:
            self.stdout.write(self.style.SUCCESS("  every page within its targets"))

    @staticmethod
    def _label(row: dict) -> str:
        return row["name"] + (" (POST)" if row["method"] == "post" else "")

    @staticmethod
    def _queries(row: dict) -> str:
        return str(row["queries"]) + ("" if len(row["query_counts"]) == 1 else " (varies!)")

    def _print_table(self, report: dict) -> None:
        self._print_header(report)
        self._print_rows(
            [
                ("page", "status", "median ms", "p95 ms", "queries", "x baseline", "target"),
                *(
                    (
                        self._label(row),
                        str(row["status"]),
                        f"{row['median_ms']:.2f}",
                        f"{row['p95_ms']:.2f}",
                        self._queries(row),
                        f"{row['ratio']:.1f}",
                        self._target(row),
                    )
                    for row in [{**report["baseline"], "name": "baseline", "ratio": 1.0}]
                    + report["pages"]
                ),
            ]
        )
        self._print_missed(
            report, f"baseline ({report['baseline']['median_ms']:.2f} ms in this run)"
        )

    def _print_http_table(self, report: dict) -> None:
        """In-process figures (server time, queries) next to the HTTP ones (client wall time)
        and the ratio to the HTTP floor, which the family targets apply to."""
        self._print_header(report)
        served = report["http"]
        baseline = {
            **report["baseline"],
            "name": "baseline",
            "http": {**served["baseline"], "ratio": 1.0},
        }
        rows = [
            (
                "page",
                "status",
                "in-process ms",
                "queries",
                "HTTP ms",
                "HTTP p95 ms",
                "floor ms",
                "x HTTP floor",
                "target",
            )
        ]
        for row in [baseline, *report["pages"]]:
            over = row["http"]
            rows.append(
                (
                    self._label(row),
                    str(over["status"] if over else row["status"]),
                    f"{row['median_ms']:.2f}",
                    self._queries(row),
                    f"{over['median_ms']:.2f}" if over else "—",
                    f"{over['p95_ms']:.2f}" if over else "—",
                    f"{over.get('floor_median_ms', over['median_ms']):.2f}" if over else "—",
                    f"{over['ratio']:.1f}" if over else "— (note)",
                    self._target(row),
                )
            )
        self._print_rows(rows)
        if served["skipped"]:
            self.stdout.write(
                "\n— (note): a long bulk POST, measured in-process only (its ratio target, if"
                " any, on its in-process ratio): " + ", ".join(served["skipped"]) + "."
            )
        self._print_missed(
            report,
            "HTTP floor (the baseline view, measured again just before each page, after its"
            " reset if it has one;"
            f" {served['baseline']['median_ms']:.2f} ms over HTTP at the start of this run, "
            f"{report['baseline']['median_ms']:.2f} ms in-process)",
        )

    @staticmethod
    def _target(row: dict) -> str:
        if row.get("persona") != FAMILY_PERSONA and row.get("max_ms") is None:
            return ""
        return "OVER: " + ", ".join(row["flags"]) if row["flags"] else "ok"
