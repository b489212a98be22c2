"""The HTTP side of `manage.py bench --http` without gunicorn: the requests it builds, the
cookies it keeps, its timing loop, the family targets on the HTTP ratio, and, through Django's
WSGI handler with production's proxy, cookie and CSRF settings, a session opened server-side
that passes as the browser's own on a GET and on a CSRF-checked POST."""

import os
import subprocess
import sys
from urllib.parse import parse_qsl

import httpx
import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import clear_url_caches, path, reverse

from ribambelle.demo.bench import http
from ribambelle.demo.management.commands import bench

ORIGIN = "https://127.0.0.1:8123"


def test_form_fields_send_one_field_per_value_of_a_list():
    assert http.form_fields({"child": 7, "shown": ["a", "b"], "semaine": "2026-11-30"}) == [
        ("child", "7"),
        ("shown", "a"),
        ("shown", "b"),
        ("semaine", "2026-11-30"),
    ]


def test_a_get_is_a_browser_behind_the_tls_proxy_with_its_cookies():
    request = http.build_request(
        "get", "/bench/foyer/?x=1", origin=ORIGIN, cookies={"sessionid": "s", "csrftoken": "t"}
    )
    assert (request.method, request.path, request.body) == ("GET", "/bench/foyer/?x=1", None)
    assert request.headers == {
        "X-Forwarded-Proto": "https",
        "User-Agent": http.USER_AGENT,
        "Cookie": "sessionid=s; csrftoken=t",
    }


def test_a_post_carries_its_origin_the_csrf_token_of_its_cookie_and_the_page_headers():
    request = http.build_request(
        "post",
        "/bench/reservations/enregistrer/",
        origin=ORIGIN,
        cookies={"sessionid": "s", "csrftoken": "t" * 32},
        headers={"HX-Request": "true"},
        data={"child": 3, "booked": ["k1", "k2"]},
    )
    assert request.method == "POST"
    assert request.headers["Origin"] == ORIGIN
    assert request.headers["X-CSRFToken"] == "t" * 32
    assert request.headers["HX-Request"] == "true"
    assert request.headers["X-Forwarded-Proto"] == "https"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(request.body) == [("child", "3"), ("booked", "k1"), ("booked", "k2")]


def test_a_visitor_has_a_csrf_cookie_django_accepts_and_keeps_what_the_server_sets():
    visitor = http.Visitor(httpx.Client(), ORIGIN, {"sessionid": "s"})
    token = visitor.cookies.pop("csrftoken")
    assert len(token) == 32 and token.isalnum()
    response = httpx.Response(
        200,
        headers=[
            ("set-cookie", "csrftoken=new; Path=/; Secure"),
            ("set-cookie", 'sessionid=""; Max-Age=0; Path=/'),
            ("set-cookie", "messages=m; Path=/; HttpOnly; Secure"),
        ],
    )
    http.keep_cookies(visitor.cookies, response)
    assert visitor.cookies == {"csrftoken": "new", "messages": "m"}


def test_measure_times_only_the_requests_after_the_warmup_and_prepares_each_one():
    events: list[tuple[str, ...]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        events.append(("request", request.method, request.content.decode()))
        return httpx.Response(302 if len(events) > 8 else 200)

    def prepare():
        events.append(("prepare",))
        return {"n": str(len(events))}

    with http.client_for("http://127.0.0.1", httpx.MockTransport(handler)) as client:
        result = http.measure(
            http.Visitor(client, ORIGIN, {}),
            "/p/",
            method="post",
            prepare=prepare,
            warmup=2,
            repeat=3,
            percentile=bench.percentile,
        )
    assert [event[0] for event in events] == ["prepare", "request"] * 5
    assert result["ok"] is False and result["status"] == 302
    assert 0 < result["median_ms"] <= result["p95_ms"]


def test_the_floor_is_measured_in_the_pages_cadence_after_its_reset():
    """Before each floor request measured for a page with a `before()`, that reset runs too,
    untimed, as before each of the page's own requests; a GET floor carries no payload."""
    events: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        events.append(f"{request.method} {request.url.path} {request.content.decode()}")
        return httpx.Response(200)

    page = bench.BenchPage("p", "x", method="post", data={"a": "1"})
    with http.client_for("http://127.0.0.1", httpx.MockTransport(handler)) as client:
        bench.Command._measure_over_http(
            http.Visitor(client, ORIGIN, {}),
            bench.BASELINE_PATH,
            2,
            reset=lambda: events.append("reset"),
        )
        assert events == ["reset", f"GET {bench.BASELINE_PATH} "] * (bench.WARMUP + 2)
        events.clear()
        bench.Command._measure_over_http(http.Visitor(client, ORIGIN, {}), "/p/", 2, page)
    assert events == ["POST /p/ a=1"] * (bench.WARMUP + 2)


def test_family_targets_apply_to_the_http_ratio_with_http_and_to_in_process_without():
    row = {"persona": "parent", "ratio": 40.0, "queries": 9, "http": {"ratio": 6.0}}
    assert bench.flags(row, over_http=True) == []
    assert bench.flags(row) == ["> 8x"]
    # A bulk POST measured in-process only keeps its in-process ratio as target.
    assert bench.flags({**row, "http": None}, over_http=True) == ["> 8x"]
    assert bench.flags({**row, "persona": "manager"}, over_http=True) == []
    assert bench.flags({**row, "queries": 13}, over_http=True) == ["> 12 queries"]


@pytest.mark.parametrize(
    ("value", "urlconf"), [(None, "ribambelle.urls"), ("1", "ribambelle.demo.bench.urls")]
)
def test_the_bench_urlconf_is_only_used_when_asked(value, urlconf):
    env = {key: val for key, val in os.environ.items() if key != "RIBAMBELLE_BENCH_URLCONF"}
    env.update(DJANGO_SETTINGS_MODULE="ribambelle.settings", SECRET_KEY="x", DEBUG="0")
    if value is not None:
        env["RIBAMBELLE_BENCH_URLCONF"] = value
    printed = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.ROOT_URLCONF)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert printed == urlconf


@pytest.fixture
def production_wsgi(settings, monkeypatch):
    """Django's WSGI handler (CSRF enforced, unlike the test client) behind the TLS proxy, with
    Secure cookies, the bench URLconf and a POST view that says who sent it."""
    from ribambelle.demo.bench import urls as bench_urls

    def whoami(request):
        if not request.user.is_authenticated:
            return HttpResponseRedirect("/")
        return HttpResponse(f"{request.user.email} {request.POST.get('n')}")

    monkeypatch.setattr(
        bench_urls, "urlpatterns", [path("_bench/whoami/", whoami), *bench_urls.urlpatterns]
    )
    settings.ROOT_URLCONF = "ribambelle.demo.bench.urls"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    clear_url_caches()
    # As the test client does: the test's transaction must outlive each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        transport = httpx.WSGITransport(app=WSGIHandler())
        with http.client_for("http://127.0.0.1", transport) as client:
            yield client
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        clear_url_caches()


def test_a_session_opened_server_side_passes_over_http_with_csrf_enforced(production_wsgi, alice):
    origin = "https://127.0.0.1"
    visitor = http.Visitor(production_wsgi, origin, http.signed_in_cookies(alice))
    account = reverse("accounts:account", kwargs={"municipality_slug": alice.municipality.slug})

    response, elapsed = visitor.send(visitor.request("get", account, {}, None))
    assert response.status_code == 200 and elapsed > 0
    response, _ = visitor.send(visitor.request("post", "/_bench/whoami/", {}, {"n": 1}))
    assert (response.status_code, response.text) == (200, f"{alice.email} 1")

    # What the harness must send: without its token, or from another origin, Django refuses.
    refused = visitor.request("post", "/_bench/whoami/", {}, {"n": 2})
    del refused.headers["X-CSRFToken"]
    assert visitor.send(refused)[0].status_code == 403
    foreign = http.Visitor(production_wsgi, "https://elsewhere.example", visitor.cookies)
    assert foreign.send(foreign.request("post", "/_bench/whoami/", {}, {}))[0].status_code == 403
    # And an anonymous browser is not taken for the parent.
    anonymous = http.Visitor(production_wsgi, origin, {})
    assert (
        anonymous.send(anonymous.request("post", "/_bench/whoami/", {}, {}))[0].status_code == 302
    )
