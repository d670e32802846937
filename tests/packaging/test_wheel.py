"""The wheel built from the repository serves the site from a fresh virtual environment.

``pip wheel --no-deps`` builds it exactly as a packager would; it is installed
(``--no-deps``) into a new venv in a temporary folder outside the checkout, whose
dependencies come from this test environment through a ``.pth`` line (quick, no
network, and ``pip check`` still verifies the wheel's requirements against them).
Everything then runs from that folder through the CLI and HTTP only:
``init-db``, ``demo``, a server, and the pages, static files, translations,
catalogue recipes and a kit PDF that only the packaged copies can provide.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
START_DEADLINE = 120  # seconds: a busy 2-core machine (a bounded poll)
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
STATIC_RE = re.compile(r'(?:href|src)="(/static/[^"?#]+)')
DEMO_LOGIN, DEMO_PASSWORD = "demo", "demo-cryptoparty"


def _run(*command, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, (f"{' '.join(map(str, command))} exited with "
                                    f"{result.returncode}:\n{result.stdout[-3000:]}\n"
                                    f"{result.stderr[-3000:]}")
    return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv outside the checkout with the wheel installed; yields its python and env."""
    # Short and outside the checkout (and outside pytest's basetemp, which may be in it).
    workdir = Path(tempfile.mkdtemp(prefix="cpwheel"))
    wheels, venv, instance = workdir / "wheels", workdir / "venv", workdir / "instance"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels),
         str(REPO), cwd=REPO)
    [wheel] = wheels.glob("cryptoparty-*.whl")
    _run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", str(wheel))
    # The dependencies: this environment's site-packages, after the venv's own.
    site = Path(_run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                     "['purelib'])").stdout.strip())
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "zz_test_dependencies.pth").write_text("".join(f"{path}\n" for path in ours))

    env = {name: value for name, value in os.environ.items()
           if not name.startswith("CRYPTOPARTY_")
           and name not in ("DATABASE_URL", "REDIS_URL", "PYTHONPATH", "VIRTUAL_ENV")}
    env.update(CRYPTOPARTY_INSTANCE_PATH=str(instance),
               CRYPTOPARTY_RATELIMIT_ENABLED="false",
               CRYPTOPARTY_GNUPG_S2K_COUNT="65536")
    try:
        yield {"python": str(python), "env": env, "cwd": workdir, "instance": instance,
               "site": site}
    finally:
        subprocess.run(["gpgconf", "--homedir", str(instance / "gnupg"), "--kill", "all"],
                       capture_output=True, check=False)
        shutil.rmtree(workdir, ignore_errors=True)


def _flask(installed, *args) -> subprocess.CompletedProcess:
    return _run(installed["python"], "-m", "flask", "--app", "cryptoparty", *args,
                cwd=installed["cwd"], env=installed["env"])


@pytest.fixture(scope="module")
def server(installed):
    """init-db, demo, then ``flask run`` from the installed package on a free loopback port."""
    _flask(installed, "init-db")
    _flask(installed, "demo")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = installed["cwd"] / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [installed["python"], "-m", "flask", "--app", "cryptoparty", "run",
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=installed["cwd"], env={**installed["env"], "CRYPTOPARTY_PUBLIC_URL": url},
            stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_DEADLINE
        while True:
            try:
                requests.get(url + "/privacy", timeout=5)
                break
            except requests.RequestException:
                pass
            try:
                process.wait(timeout=0.2)  # a bounded wait that notices a crash
                pytest.fail(f"the server exited with {process.returncode}:\n"
                            + log.read_text(errors="replace")[-4000:])
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not answer within {START_DEADLINE} s:\n"
                                + log.read_text(errors="replace")[-4000:])
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_package_imported_is_the_installed_wheel(installed):
    found = _run(installed["python"], "-c", "import cryptoparty; print(cryptoparty.__file__)",
                 cwd=installed["cwd"], env=installed["env"]).stdout.strip()
    assert Path(found).is_relative_to(installed["site"]), found
    _run(sys.executable, "-m", "pip", "--python", installed["python"], "check",
         cwd=installed["cwd"], env=installed["env"])


def test_init_db_and_db_upgrade_find_the_packaged_migrations(installed):
    _flask(installed, "init-db")  # again: idempotent
    assert (installed["instance"] / "cryptoparty.sqlite3").is_file()
    _flask(installed, "db", "upgrade")
    assert _flask(installed, "db", "current").stdout.strip().endswith("(head)")


def test_pages_static_files_and_translations(server):
    home = requests.get(server + "/", timeout=30)
    assert home.status_code == 200
    assert "Upcoming events" in requests.get(server + "/?lang=en", timeout=30).text
    static = STATIC_RE.findall(home.text)
    assert static, "the home page links no /static/ file"
    for path in dict.fromkeys(static):
        assert requests.get(server + path, timeout=30).status_code == 200, path

    program = requests.get(server + "/events/cryptoparty/", timeout=30)
    assert program.status_code == 200
    assert "Tails" in program.text

    french = requests.get(server + "/?lang=fr", timeout=30)
    assert french.status_code == 200
    assert "Prochains événements" in french.text  # the compiled catalogue is in the wheel

    openapi = requests.get(server + "/api/v1/openapi.json", timeout=30)  # package data
    assert openapi.status_code == 200
    assert "/api/v1/events" in openapi.json()["paths"]


def test_organizer_kit_and_catalogue(server):
    browser = requests.Session()
    token = CSRF_RE.search(browser.get(server + "/login", timeout=30).text).group(1)
    login = browser.post(server + "/login", timeout=30, allow_redirects=False,
                         data={"csrf_token": token, "login": DEMO_LOGIN,
                               "password": DEMO_PASSWORD})
    assert login.status_code == 302, login.text

    kit = browser.get(server + "/events/cryptoparty/kit.pdf", timeout=120)
    assert kit.status_code == 200
    assert kit.content.startswith(b"%PDF")

    # A recipe of the workshop catalogue: TOML files shipped as package data.
    recipe = browser.get(server + "/manage/events/cryptoparty/workshops/from-catalogue/tails",
                         timeout=30)
    assert recipe.status_code == 200
    assert "Tails" in recipe.text
