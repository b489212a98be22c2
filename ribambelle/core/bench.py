"""The pages `manage.py bench` measures. Each issue that adds a page appends it here, so the
benchmark grows with the product instead of being rewritten."""

from dataclasses import dataclass, field

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
    name: str
    url_name: str
    kwargs: dict[str, str] = field(default_factory=dict)
    persona: str = "anonymous"
    query: str = ""


PAGES: list[BenchPage] = [
    BenchPage("root", "root"),
    BenchPage("root search", "root", query="q=bench"),
    BenchPage("login", "accounts:login", TENANT),
    BenchPage("first connection", "accounts:password_link_request", TENANT),
    BenchPage("portal home", "portal:home", TENANT, "parent"),
    BenchPage("account", "accounts:account", TENANT, "parent"),
    BenchPage("staff home", "backoffice:home", TENANT, "manager"),
    BenchPage("staff departments", "backoffice:departments", TENANT, "manager"),
    BenchPage("staff members", "backoffice:staff", TENANT, "manager"),
]
