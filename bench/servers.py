"""Throwaway instances and gunicorn servers on loopback, started and stopped by the benchmark."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_DEADLINE = 180  # seconds (4 workers import the app at once on a loaded machine)


def venv_tool(name: str) -> str:
    """A console script beside this interpreter (the project's .venv)."""
    path = Path(sys.executable).with_name(name)
    return str(path) if path.exists() else name


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(instance: Path, database_url: str) -> dict:
    """The environment of the application's commands and server for one instance."""
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update({
        "DATABASE_URL": database_url,
        "CRYPTOPARTY_INSTANCE_PATH": str(instance),
        "CRYPTOPARTY_RATELIMIT_ENABLED": "false",
        "CRYPTOPARTY_GNUPG_S2K_COUNT": "65536",
        "FLASK_DEBUG": "0",
    })
    return env


def flask(env: dict, *args: str) -> str:
    """Run a ``flask --app cryptoparty`` command; its output."""
    done = subprocess.run([venv_tool("flask"), "--app", "cryptoparty", *args], cwd=ROOT,
                          env=env, check=True, capture_output=True, text=True)
    return done.stdout


class Server:
    """gunicorn with the repository's gunicorn.conf.py, on a free loopback port."""

    def __init__(self, app: str, env: dict, log_path: Path, ready_path: str = "/"):
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(env, CRYPTOPARTY_BIND=f"127.0.0.1:{self.port}")
        self.log_path = log_path
        self.ready_path = ready_path
        self.process = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        """Start gunicorn and wait (with a deadline) until it answers."""
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [venv_tool("gunicorn"), "--config", "gunicorn.conf.py", self.app],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_DEADLINE
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.app} exited: {self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=5):
                    pass
                # Every worker must be up before measuring, not just the first one.
                if len(self.worker_pids()) >= self.expected_workers():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.app} did not answer within {START_DEADLINE}s")

    def expected_workers(self) -> int:
        """The worker count gunicorn.conf.py computes for this environment."""
        import multiprocessing

        return int(self.env.get("CRYPTOPARTY_WORKERS",
                                min(4, multiprocessing.cpu_count() * 2)))

    def worker_pids(self) -> list[int]:
        """The pids of gunicorn's worker processes (children of the master)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def worker_rss_kib(self) -> list[int]:
        """Resident memory (VmRSS, KiB) of each worker."""
        sizes = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]))
            except OSError:
                continue
        return sizes

    def stop(self):
        """Stop gunicorn (graceful, then killed after a deadline)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
