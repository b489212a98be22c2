"""The parents: each one, at its arrival time, opens the login page, logs in, opens the grid of
the week, ticks or unticks its cells one by one with the POST htmx sends, then opens the grid
again. Requests go to the loopback only; a request whose connection fails or is cut (a worker
killed or restarting) is sent once more: a retried toggle is idempotent, since it says which
state the cell must have. A timeout is not retried.

The server runs as in production behind a TLS proxy: the client says so with
`X-Forwarded-Proto: https`, and keeps the (secure) cookies itself, per parent."""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from http.cookiejar import CookieJar, DefaultCookiePolicy
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

import httpx

from ribambelle.bookings.grid_post import CellKey
from ribambelle.demo.rush import forms
from ribambelle.demo.rush.schedule import cells_to_toggle
from ribambelle.demo.rush.stats import Recorder

LOOPBACK = "127.0.0.1"
REQUEST_TIMEOUT = 30.0
RETRIED = (httpx.NetworkError, httpx.RemoteProtocolError)


class _NoCookies(DefaultCookiePolicy):
    """The shared client keeps no cookie: each parent has its own."""

    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False


@dataclass(frozen=True)
class Target:
    port: int
    slug: str
    monday: date
    password: str
    cells: int
    seed: int
    think: float = 0.0

    @property
    def origin(self) -> str:
        return f"https://{LOOPBACK}:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{LOOPBACK}:{self.port}{path}"


@dataclass
class Visit:
    """One parent's visit: what it was told about each cell it changed."""

    email: str
    # The state the server last showed for each changed cell (None: never acknowledged).
    shown: dict[CellKey, bool | None] = field(default_factory=dict)
    refused: int = 0
    # Cells chosen that were no longer clickable when their turn came.
    skipped: int = 0
    # Cells the reopened grid shows differently from what the toggle answered.
    mismatches: list[str] = field(default_factory=list)
    finished: bool = False


class Parent:
    def __init__(self, client: httpx.AsyncClient, target: Target, recorder: Recorder) -> None:
        self.client = client
        self.target = target
        self.recorder = recorder
        self.cookies: dict[str, str] = {}

    def _keep_cookies(self, response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    async def send(
        self,
        step: str,
        method: str,
        path: str,
        *,
        data: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        expect: int = 200,
    ) -> httpx.Response | None:
        """One request, sent again once if the connection fails; None (and an error counted)
        when it fails twice or answers another status than `expect`."""
        sent = {
            "X-Forwarded-Proto": "https",
            "User-Agent": "ribambelle-rush",
            **(headers or {}),
        }
        body = None
        if method == "POST":
            sent["Origin"] = self.target.origin
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(data or [])
        started = time.perf_counter()
        for attempt in range(2):
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            try:
                response = await self.client.request(
                    method, self.target.url(path), content=body, headers=sent
                )
            except httpx.TransportError as exc:
                # Sent again only when the connection failed or was cut (a worker killed or
                # restarting), never after a timeout: an overloaded server gets no extra load.
                if attempt == 0 and isinstance(exc, RETRIED):
                    self.recorder.retried[step] += 1
                    continue
                self.recorder.error(step, f"{type(exc).__name__}: {exc}")
                return None
            break
        elapsed = (time.perf_counter() - started) * 1000
        self._keep_cookies(response)
        if response.status_code != expect:
            self.recorder.error(step, f"{method} {path}: status {response.status_code}")
            return None
        self.recorder.ok(step, elapsed)
        return response

    async def think(self) -> None:
        if self.target.think:
            await asyncio.sleep(self.target.think)


async def visit(parent: Parent, email: str, index: int) -> Visit:
    """The steps of one parent; stops at the first failed step."""
    target = parent.target
    result = Visit(email)
    login_path = f"/{target.slug}/connexion/"
    grid_path = f"/{target.slug}/reservations/?semaine={target.monday.isoformat()}"
    page = await parent.send("login page", "GET", login_path)
    if page is None:
        return result
    form = forms.login_form(page.text)
    await parent.think()
    credentials = [
        (name, email if name == "email" else target.password if name == "password" else value)
        for name, value in form.fields
    ]
    if await parent.send("login", "POST", login_path, data=credentials, expect=302) is None:
        return result
    grid = await parent.send("grid", "GET", grid_path)
    if grid is None:
        return result
    children = forms.child_forms(grid.text)
    if not children:
        parent.recorder.error("grid", f"{email}: no editable cell in the week")
        return result
    child, child_form = max(children.items(), key=lambda item: len(item[1].cells))
    current: forms.PageForm | None = child_form
    for raw in cells_to_toggle(list(child_form.cells), target.cells, target.seed, index):
        await parent.think()
        current = await _toggle(parent, result, child, child_form, raw, grid_path)
        if current is None:
            return result
        child_form = current
    again = await parent.send("grid again", "GET", grid_path)
    if again is None:
        return result
    seen = forms.child_forms(again.text).get(child)
    for key, shown in result.shown.items():
        drawn = seen.booked(str(key)) if seen else None
        if shown is not None and drawn is not None and drawn != shown:
            result.mismatches.append(f"{key}: answered {shown}, grid shows {drawn}")
    result.finished = True
    return result


async def _toggle(
    parent: Parent,
    result: Visit,
    child: str,
    form: forms.PageForm,
    raw: str,
    grid_path: str,
) -> forms.PageForm | None:
    """Ticks or unticks one cell as htmx does; the answer (the child's redrawn week) is the
    form of the next click. Returns None when the page can go no further."""
    key = CellKey.parse(raw, child_id=int(child))
    if raw not in form.cells:
        # No longer clickable (another family took the last place): nothing to send.
        result.skipped += 1
        return form
    wanted = not form.cells[raw]
    result.shown[key] = None
    headers = {
        "HX-Request": "true",
        "HX-Current-URL": parent.target.origin + grid_path,
        "HX-Target": f"enfant-{child}",
        "HX-Trigger": f"{forms.CELL_ID_PREFIX}{child}-{key.activity_id}-{key.day:%Y%m%d}",
        "HX-Trigger-Name": forms.CELL_FIELD,
        "Referer": parent.target.origin + grid_path,
    }
    answer = await parent.send(
        "toggle", "POST", form.action, data=form.toggle_data(raw, wanted), headers=headers
    )
    if answer is None:
        return None
    redrawn = forms.child_forms(answer.text).get(child)
    shown = redrawn.booked(raw) if redrawn is not None else None
    if redrawn is None or shown is None:
        parent.recorder.error("toggle", f"{key}: the answer does not draw the cell")
        return None
    result.shown[key] = shown
    if shown != wanted:
        result.refused += 1
    return redrawn


async def rush(
    target: Target,
    emails: list[str],
    starts: list[float],
    recorder: Recorder,
    *,
    deadline: float,
    disruption: tuple[float, Callable[[], object]] | None = None,
) -> list[Visit]:
    """Every parent at its arrival time; `disruption`, (seconds, function), runs once then.
    Parents not done by `deadline` seconds are cancelled, and count as unfinished."""
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(
        timeout=REQUEST_TIMEOUT,
        limits=limits,
        cookies=CookieJar(policy=_NoCookies()),
        follow_redirects=False,
        trust_env=False,
    ) as client:
        loop = asyncio.get_running_loop()
        began = loop.time()
        if disruption is not None:
            loop.call_later(disruption[0], disruption[1])

        async def one(index: int, email: str, start: float) -> Visit:
            await asyncio.sleep(max(0.0, began + start - loop.time()))
            return await visit(Parent(client, target, recorder), email, index)

        tasks = [
            asyncio.create_task(one(i, email, start))
            for i, (email, start) in enumerate(zip(emails, starts, strict=True))
        ]
        done, pending = await asyncio.wait(tasks, timeout=deadline)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        visits = []
        for task, email in zip(tasks, emails, strict=True):
            if task in done and task.exception() is None:
                visits.append(task.result())
            else:
                if task in done:
                    recorder.messages.append(f"{email}: {task.exception()!r}")
                visits.append(Visit(email))
        return visits
