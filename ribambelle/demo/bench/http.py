"""The HTTP side of `manage.py bench --http`: the pages requested one at a time from gunicorn on
the loopback, as a browser behind the TLS proxy would (`X-Forwarded-Proto: https`, its cookies,
its CSRF token and Origin on a POST), with the client's wall time around each request.

A persona signs in without its password: Django's test client logs it in server-side in the
bench process, which writes the session to the database gunicorn reads, and its cookies are
sent over HTTP with the same User-Agent (ribambelle.accounts.middleware ends a session that
another browser presents)."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.test import Client
from django.utils.crypto import get_random_string

from ribambelle.demo.rush.client import LOOPBACK

USER_AGENT = "ribambelle-bench"
REQUEST_TIMEOUT = 60.0


@dataclass(frozen=True)
class HttpRequest:
    """What goes on the wire for one request of a page."""

    method: str
    path: str
    headers: dict[str, str]
    body: str | None = None


def form_fields(data: dict) -> list[tuple[str, str]]:
    """A page's payload as the form fields a browser sends: a list gives one field per value."""
    fields: list[tuple[str, str]] = []
    for name, value in data.items():
        values = value if isinstance(value, list | tuple) else [value]
        fields.extend((name, str(item)) for item in values)
    return fields


def build_request(
    method: str,
    path: str,
    *,
    origin: str,
    cookies: dict[str, str],
    headers: dict[str, str] | None = None,
    data: dict | None = None,
) -> HttpRequest:
    """The request a browser behind the TLS proxy sends: a POST carries its Origin and the CSRF
    token of its cookie in `X-CSRFToken` (what htmx sends), and its fields form-encoded."""
    sent = {"X-Forwarded-Proto": "https", "User-Agent": USER_AGENT, **(headers or {})}
    if cookies:
        sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    if method.lower() != "post":
        return HttpRequest("GET", path, sent)
    sent["Origin"] = origin
    sent["Content-Type"] = "application/x-www-form-urlencoded"
    token = cookies.get(settings.CSRF_COOKIE_NAME)
    if token:
        sent["X-CSRFToken"] = token
    return HttpRequest("POST", path, sent, urlencode(form_fields(data or {})))


def new_csrf_cookie() -> dict[str, str]:
    """A CSRF cookie as Django would set it (an unmasked secret, also valid as the header)."""
    return {settings.CSRF_COOKIE_NAME: get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)}


def signed_in_cookies(user) -> dict[str, str]:
    """Every cookie of a session opened server-side for `user` (no password, no login view)."""
    client = Client(HTTP_HOST=LOOPBACK, HTTP_USER_AGENT=USER_AGENT)
    client.force_login(user)
    return {name: morsel.value for name, morsel in client.cookies.items()}


def keep_cookies(cookies: dict[str, str], response: httpx.Response) -> None:
    """What a browser does with the answer's Set-Cookie headers (expiry aside)."""
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or not morsel.value:
                cookies.pop(name, None)
            else:
                cookies[name] = morsel.value


class Visitor:
    """One browser: its cookies (a session or none, and a CSRF cookie), one request at a time."""

    def __init__(self, http: httpx.Client, origin: str, cookies: dict[str, str]) -> None:
        self.http = http
        self.origin = origin
        self.cookies = {**new_csrf_cookie(), **cookies}

    def request(
        self, method: str, path: str, headers: dict[str, str], data: dict | None
    ) -> HttpRequest:
        return build_request(
            method, path, origin=self.origin, cookies=self.cookies, headers=headers, data=data
        )

    def send(self, request: HttpRequest) -> tuple[httpx.Response, float]:
        """The answer and the client's wall time in milliseconds around the call."""
        started = time.perf_counter()
        response = self.http.request(
            request.method, request.path, headers=request.headers, content=request.body
        )
        elapsed = (time.perf_counter() - started) * 1000
        keep_cookies(self.cookies, response)
        return response, elapsed


def client_for(base_url: str, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An httpx client that keeps no cookie itself (each Visitor keeps its own, since the server's
    are Secure and the loopback is plain HTTP) and follows no redirect (a 302 is measured)."""
    return httpx.Client(
        base_url=base_url,
        timeout=REQUEST_TIMEOUT,
        follow_redirects=False,
        trust_env=False,
        transport=transport,
    )


def measure(
    visitor: Visitor,
    path: str,
    *,
    method: str = "get",
    headers: dict[str, str] | None = None,
    prepare: Callable[[], dict] = dict,
    ok_statuses: frozenset[int] = frozenset({200}),
    warmup: int,
    repeat: int,
    percentile: Callable[[list[float], float], float],
) -> dict:
    """`warmup` then `repeat` requests, one at a time; `prepare` (the page's `before` and
    payload) runs before each, outside the timing."""
    timings, statuses = [], set()
    for index in range(warmup + repeat):
        request = visitor.request(method, path, headers or {}, prepare())
        response, elapsed = visitor.send(request)
        if index >= warmup:
            timings.append(elapsed)
            statuses.add(response.status_code)
    wrong = statuses - ok_statuses
    return {
        "status": min(wrong or statuses),
        "ok": not wrong,
        "median_ms": round(statistics.median(timings), 3),
        "p95_ms": round(percentile(timings, 0.95), 3),
    }
