"""The Nu HTML Checker over every page the browser tests visit.

The browser fixtures hand each document they see (after each load, after each htmx swap, and as
it is when the test ends) to a PageArchive, which keeps one file per distinct document in a
session folder with the page's URL and the test that saw it. The last test of the session
(portal/tests/test_valid_html.py, put last by browser.py's collection hook) runs vnu.jar on
them.

vnu.jar comes from the npm package vnu-jar (package.json at the root of the repository,
installed by `make test`) and runs on Java. Found through the VNU_JAR environment variable,
else node_modules/vnu-jar/build/dist/vnu.jar; java through JAVA, else the PATH.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
DEFAULT_VNU = REPOSITORY / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
INDEX = "pages.jsonl"
# What differs between two renderings of the same page: the CSRF token and the CSP nonce.
VOLATILE = re.compile(
    r'(csrfmiddlewaretoken" value="|nonce="|inlineScriptNonce(?:&quot;|"): (?:&quot;|"))[^"&]*'
)


@dataclass(frozen=True)
class Page:
    file: Path
    url: str
    test: str


class PageArchive:
    """One HTML file per distinct page (compared without their tokens and nonces)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def save(self, url: str, html: str, test: str) -> None:
        if not url.startswith("http") or "<html" not in html[:2000].lower():
            return
        digest = hashlib.sha256(VOLATILE.sub("", html).encode()).hexdigest()[:20]
        with self._lock:
            if digest in self._seen:
                return
            self._seen.add(digest)
            name = f"{digest}.html"
            (self.folder / name).write_text(html, encoding="utf-8")
            with (self.folder / INDEX).open("a", encoding="utf-8") as index:
                index.write(json.dumps({"file": name, "url": url, "test": test}) + "\n")

    def pages(self) -> list[Page]:
        index = self.folder / INDEX
        if not index.exists():
            return []
        entries = [json.loads(line) for line in index.read_text(encoding="utf-8").splitlines()]
        return [Page(self.folder / entry["file"], entry["url"], entry["test"]) for entry in entries]


def vnu_command() -> tuple[list[str] | None, str]:
    """The command that runs the checker, or None and why it cannot run."""
    java = os.environ.get("JAVA") or shutil.which("java")
    if not java:
        return None, "Java not found (apt-get install default-jre-headless)"
    jar = Path(os.environ.get("VNU_JAR") or DEFAULT_VNU)
    if not jar.is_file():
        return None, f"{jar} not found (npm ci at the root of the repository)"
    return [java, "-Xss4m", "-jar", str(jar)], ""


@dataclass(frozen=True)
class Problem:
    page: Page
    line: int
    message: str
    extract: str

    def __str__(self) -> str:
        extract = " ".join(self.extract.split())
        return (
            f"{self.page.url} (line {self.line}, {self.page.file.name}, seen by {self.page.test})"
            f"\n    {self.message}\n    {extract}"
        )


def check(pages: list[Page], command: list[str]) -> list[Problem]:
    """Every error the Nu HTML Checker finds in the pages, with the URL each page came from."""
    if not pages:
        return []
    by_file = {page.file.resolve(): page for page in pages}
    result = subprocess.run(  # noqa: S603 - a fixed command on files this session wrote
        [*command, "--errors-only", "--format", "json", *[str(page.file) for page in pages]],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    try:
        messages = json.loads(result.stderr or result.stdout)["messages"]
    except (ValueError, KeyError) as error:
        raise RuntimeError(f"vnu gave no report ({result.returncode}): {result.stderr}") from error
    problems = []
    for message in messages:
        if message.get("type") != "error":
            continue
        path = Path(message.get("url", "").removeprefix("file:")).resolve()
        page = by_file.get(path, Page(path, str(path), "?"))
        problems.append(
            Problem(
                page, message.get("lastLine", 0), message["message"], message.get("extract", "")
            )
        )
    return problems
