"""The pages `manage.py bench` measures. Each issue that adds a page appends it here, so the
benchmark grows with the product instead of being rewritten."""

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

BENCH_SLUG = "bench"
BENCH_NAME = "Bench-sur-Mer"
BENCH_EMAIL_DOMAIN = "bench.example"

# Who requests each page: None is an anonymous visitor.
PERSONAS: dict[str, str | None] = {
    "anonymous": None,
    "parent": f"parent1@{BENCH_EMAIL_DOMAIN}",
    "manager": f"manager@{BENCH_EMAIL_DOMAIN}",
    "agent": f"agent@{BENCH_EMAIL_DOMAIN}",
    "readonly": f"consultation@{BENCH_EMAIL_DOMAIN}",
}

TENANT = {"municipality_slug": BENCH_SLUG}


@dataclass(frozen=True)
class BenchPage:
    """A page to measure. A POST page sends `data` (a dict, or a function returning one,
    called before each request) and may answer 200 or a redirect (302); a GET page must answer
    200. Each measured request of a page must do the same work, or its query count varies and
    the bench fails: `before`, run untimed before every request (warm-up included), puts the
    state back, e.g. deletes the booking that the previous POST made."""

    name: str
    url_name: str
    # URL arguments, or a function returning them once the bench data exists.
    kwargs: dict[str, str] | Callable[[], dict] = field(default_factory=dict)
    persona: str = "anonymous"
    # The query string, or a function returning it once the bench data exists.
    query: str | Callable[[], str] = ""
    method: str = "get"
    data: dict | Callable[[], dict] | None = None
    before: Callable[[], object] | None = None
    # Run once, untimed, before the page's warm-up (in-process, and again over HTTP).
    setup: Callable[[], object] | None = None
    # Extra request headers, e.g. {"HX-Request": "true"} for an htmx partial.
    headers: dict[str, str] = field(default_factory=dict)
    # False: `bench --http` measures it in-process only (a long bulk POST, not a page a family
    # or an agent waits for at every click).
    over_http: bool = True
    # True: each measured request runs in a transaction rolled back after it, for an action
    # that nothing else can undo (issuing a run): measured as it runs, never committed, so
    # its on-commit work (the e-mails' task) is not part of it.
    rolled_back: bool = False
    # A target on the in-process median, in ms, per database vendor (a staff action's target).
    max_ms: dict[str, float] = field(default_factory=dict)
    # A family's bulk POST, whose work grows with what it writes (a school year of bookings, a
    # constant number of queries whatever its length): held to `max_ms`, not to the targets of
    # a page that a family waits for at each click (8x the floor, 12 queries).
    bulk: bool = False

    def __post_init__(self):
        if self.method not in {"get", "post"}:
            raise ValueError(f"{self.name}: method must be 'get' or 'post', not {self.method!r}")

    def url_kwargs(self) -> dict:
        return self.kwargs() if callable(self.kwargs) else self.kwargs

    def payload(self) -> dict:
        data = self.data() if callable(self.data) else self.data
        return dict(data or {})

    @property
    def ok_statuses(self) -> frozenset[int]:
        """A redirect after a POST is a success; after a GET it is not the page."""
        return frozenset({200, 302}) if self.method == "post" else frozenset({200})


def first_child_of_parent() -> dict:
    """The bench parent's first child (the first household has two)."""
    from ribambelle.families.models import Child

    child = Child.objects.filter(
        municipality__slug=BENCH_SLUG, household__guardians__user__email=PERSONAS["parent"]
    ).earliest("pk")
    return {**TENANT, "pk": child.pk}


def later(module: str, name: str) -> Callable:
    """A function of another app, imported when the bench calls it (apps are loaded then)."""

    def call():
        return getattr(import_module(module), name)()

    return call


def bookings_bench(name: str) -> Callable:
    return later("ribambelle.demo.bench.booking_pages", name)


def billing_bench(name: str) -> Callable:
    return later("ribambelle.demo.bench.billing", name)


PAGES: list[BenchPage] = [
    BenchPage("root", "root"),
    BenchPage("root search", "root", query="q=bench"),
    BenchPage("login", "accounts:login", TENANT),
    BenchPage("first connection", "accounts:password_link_request", TENANT),
    BenchPage("portal home", "portal:home", TENANT, "parent"),
    BenchPage("account", "accounts:account", TENANT, "parent"),
    BenchPage("foyer", "families:household", TENANT, "parent"),
    BenchPage("children", "families:children", TENANT, "parent"),
    BenchPage("child", "families:child", first_child_of_parent, "parent"),
    BenchPage("staff home", "backoffice:home", TENANT, "manager"),
    BenchPage("staff departments", "backoffice:departments", TENANT, "manager"),
    BenchPage("staff members", "backoffice:staff", TENANT, "manager"),
    BenchPage("staff families", "families_staff:search", TENANT, "manager"),
    BenchPage("staff queue", "families_staff:queue", TENANT, "manager"),
    BenchPage("bookings grid", "bookings:grid", TENANT, "parent"),
    BenchPage(
        "booking cell untick (htmx)",
        "bookings:save",
        TENANT,
        "parent",
        method="post",
        data=bookings_bench("untick_payload"),
        before=bookings_bench("book_toggle_day"),
        headers={"HX-Request": "true"},
    ),
    # The same cell unticked and ticked in turn, without a reset between requests.
    BenchPage(
        "booking cell toggle (htmx)",
        "bookings:save",
        TENANT,
        "parent",
        method="post",
        data=bookings_bench("toggle_payload"),
        setup=bookings_bench("start_toggling"),
        headers={"HX-Request": "true"},
    ),
    BenchPage(
        "mass booking (school year)",
        "bookings:mass",
        TENANT,
        "parent",
        method="post",
        data=bookings_bench("mass_payload"),
        before=bookings_bench("clear_year"),
        over_http=False,
        # About 1,400 bookings and the 700 counters they add to (issue 15's session 23).
        bulk=True,
        max_ms={"postgresql": 300.0, "sqlite": 150.0},
    ),
    BenchPage(
        "attendance register (one school)",
        "bookings_staff:register",
        TENANT,
        "agent",
        query=bookings_bench("register_query"),
    ),
    BenchPage("kitchen counts", "bookings_staff:counts", TENANT, "manager"),
    BenchPage("kitchen counts CSV", "bookings_staff:counts_csv", TENANT, "manager"),
    BenchPage("invoices", "billing:invoices", TENANT, "parent"),
    BenchPage(
        "invoice PDF", "billing:invoice_pdf", billing_bench("parent_latest_invoice"), "parent"
    ),
    BenchPage(
        "invoice run (month, every household)",
        "billing_staff:runs",
        TENANT,
        "manager",
        method="post",
        data=billing_bench("current_month_run"),
        over_http=False,
    ),
    BenchPage(
        "invoice run issue (month, every household)",
        "billing_staff:run_issue",
        billing_bench("current_month_draft_run"),
        "manager",
        method="post",
        over_http=False,
        rolled_back=True,
        # Issue 15: 5,000 invoices issued in under 1.5 s on PostgreSQL, 3 s on SQLite.
        max_ms={"postgresql": 1500.0, "sqlite": 3000.0},
    ),
    BenchPage("staff unpaid invoices", "billing_staff:unpaid", TENANT, "manager"),
    BenchPage("documents", "documents:index", TENANT, "parent"),
    BenchPage(
        "documents of a category",
        "documents:category",
        later("ribambelle.demo.bench.documents", "parent_first_category"),
        "parent",
    ),
    BenchPage("staff documents", "documents_staff:list", TENANT, "agent"),
    BenchPage("messaging", "messaging:index", TENANT, "parent"),
    BenchPage(
        "conversation",
        "messaging:conversation",
        later("ribambelle.demo.bench.messaging", "parent_conversation"),
        "parent",
    ),
    BenchPage("staff inbox", "messaging_staff:inbox", TENANT, "agent"),
]
