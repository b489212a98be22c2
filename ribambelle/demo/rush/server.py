"""gunicorn as the rush runs it: sync workers on the loopback, production settings (DEBUG off,
static files from a collected manifest, as behind a TLS proxy), and the two disruptions, a
graceful reload (SIGHUP to the master) and a worker killed outright (SIGKILL)."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ribambelle.demo.rush.client import LOOPBACK


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def server_environment(static_root: Path) -> dict[str, str]:
    """The command's own environment (its DATABASE_URL, its RIBAMBELLE_VAR_DIR) in production
    mode: the server answers like a real deployment behind a TLS-terminating proxy."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="ribambelle.settings",
        DEBUG="0",
        SECRET_KEY=env.get("SECRET_KEY") or "rush-not-a-secret",
        ALLOWED_HOSTS=LOOPBACK,
        BEHIND_TLS_PROXY="1",
        STATIC_ROOT=str(static_root),
        LOG_LEVEL="WARNING",
    )
    return env


def collect_static(env: dict[str, str]) -> None:
    """The manifest that production settings need to render any page."""
    subprocess.run(
        [sys.executable, "-m", "django", "collectstatic", "--noinput", "-v0"],
        env=env,
        check=True,
    )


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class Gunicorn:
    def __init__(self, *, port: int, workers: int, env: dict[str, str], log: Path) -> None:
        self.port = port
        self.workers = workers
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.killed: int | None = None

    def start(self, probe_path: str, timeout: float = 90.0) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "ribambelle.wsgi:application",
            f"--bind={LOOPBACK}:{self.port}",
            f"--workers={self.workers}",
            "--worker-class=sync",
            "--timeout=60",
            "--graceful-timeout=30",
            f"--forwarded-allow-ips={LOOPBACK}",
        ]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
                command, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        url = f"http://{LOOPBACK}:{self.port}{probe_path}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start: see {self.log}")
            with contextlib.suppress(httpx.TransportError):
                answer = httpx.get(url, headers={"X-Forwarded-Proto": "https"}, timeout=5)
                if answer.status_code == 200 and len(self.worker_pids()) >= self.workers:
                    return
                if answer.status_code != 200:
                    raise RuntimeError(
                        f"{probe_path} answered {answer.status_code}: see {self.log}"
                    )
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn not ready after {timeout:.0f} s: see {self.log}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """The master's children (Linux: /proc)."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        with contextlib.suppress(OSError):
            return sorted(int(pid) for pid in children.read_text().split())
        return []

    def cpu_seconds(self) -> float:
        """CPU time of the master and its workers so far, killed or replaced workers included
        (the master has reaped them: their time is in its children's time). Linux: /proc."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for index, pid in enumerate([self.pid, *self.worker_pids()]):
            with contextlib.suppress(OSError, ValueError, IndexError):
                # Fields after the command name: utime, stime, cutime, cstime are 14 to 17.
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                times = [int(value) for value in fields[11:15]]
                total += sum(times) if index == 0 else times[0] + times[1]
        return total / ticks

    def reload(self) -> None:
        """Graceful: new workers start, the old ones finish their request and leave."""
        os.kill(self.pid, signal.SIGHUP)

    def kill_worker(self) -> None:
        workers = self.worker_pids()
        if workers:
            self.killed = workers[0]
            os.kill(self.killed, signal.SIGKILL)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
