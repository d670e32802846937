"""Real gunicorn servers for the tests that need one: concurrency, logs, browsers.

A server runs the project's own ``gunicorn.conf.py`` on a free loopback port,
in a clean environment (no ``CRYPTOPARTY_*``, ``DATABASE_URL`` or ``REDIS_URL``
leaks in from the shell), with its logs in files of its own. Readiness is a
bounded poll: each round waits on the process itself for a moment, so a crash
is noticed at once and nothing sleeps blindly.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from cryptoparty.core.resources import ROOT

BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_environment(**settings: str) -> dict:
    """This process's environment without the app's own settings, plus ``settings``."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("CRYPTOPARTY_") and name not in ("DATABASE_URL", "REDIS_URL")}
    env.update(settings)
    return env


class GunicornServer:
    """A gunicorn process serving the app; ``server(path)`` is the URL of ``path``."""

    def __init__(self, workdir: Path, *, env: dict | None = None, name: str = "server",
                 workers: int = 2, threads: int = 4, ready_path: str = "/privacy",
                 start_deadline: float = 120, extra_args: tuple = ()):
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.instance = workdir / "instance"
        self.access_log = workdir / f"{name}-access.log"
        self.error_log = workdir / f"{name}-error.log"
        self.output = workdir / f"{name}-output.log"
        self.env = clean_environment(
            CRYPTOPARTY_INSTANCE_PATH=str(self.instance),
            CRYPTOPARTY_RATELIMIT_ENABLED="false",
            CRYPTOPARTY_PUBLIC_URL=self.url,
            CRYPTOPARTY_WORKERS=str(workers),
            CRYPTOPARTY_THREADS=str(threads),
            CRYPTOPARTY_ACCESS_LOG=str(self.access_log),
            CRYPTOPARTY_ERROR_LOG=str(self.error_log),
        )
        self.env.update(env or {})
        self.env["CRYPTOPARTY_BIND"] = f"127.0.0.1:{self.port}"
        self._command = [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"),
                         *extra_args, "cryptoparty:create_app()"]
        self._ready_path = ready_path
        self._start_deadline = start_deadline
        self.process = None

    def __call__(self, path: str) -> str:
        return self.url + path

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        """Run a ``flask --app cryptoparty`` command against the server's database."""
        return subprocess.run([str(BIN / "flask"), "--app", "cryptoparty", *args], cwd=ROOT,
                              env=self.env, check=True, capture_output=True, text=True)

    def start(self) -> "GunicornServer":
        """Start gunicorn and return once it answers."""
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(self._command, cwd=ROOT, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self._start_deadline
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + self._ready_path, timeout=5)
                return self
            except requests.RequestException:
                pass
            try:
                self.process.wait(timeout=0.1)  # a bounded wait that notices a crash
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n"
                                   + self.logs()[-4000:])
            except subprocess.TimeoutExpired:
                pass
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {self._start_deadline} s:\n"
                           + self.logs()[-4000:])

    def stop(self) -> None:
        """Stop gunicorn; its workers flush their logs first."""
        if self.process is None or self.process.poll() is not None:
            return
        # SIGINT is gunicorn's quick shutdown; the logs are written record by record.
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            # The workers have flushed their logs and exited; the master may linger.
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def logs(self) -> str:
        """Everything the server wrote: access log, error log and its own output."""
        return "".join(path.read_text(errors="replace") for path in
                       (self.access_log, self.error_log, self.output) if path.exists())

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
