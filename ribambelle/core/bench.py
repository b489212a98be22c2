"""The pages `manage.py bench` measures. Each issue that adds a page appends it here, so the
benchmark grows with the product instead of being rewritten."""

from collections.abc import Callable
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
    # URL arguments, or a function returning them once the bench data exists.
    kwargs: dict[str, str] | Callable[[], dict] = field(default_factory=dict)
    persona: str = "anonymous"
    query: str = ""

    def url_kwargs(self) -> dict:
        return self.kwargs() if callable(self.kwargs) else self.kwargs


def first_child_of_parent() -> dict:
    """The bench parent's first child (the first household has two)."""
    from ribambelle.families.models import Child

    child = Child.objects.filter(
        municipality__slug=BENCH_SLUG, household__guardians__user__email=PERSONAS["parent"]
    ).earliest("pk")
    return {**TENANT, "pk": child.pk}


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
]
