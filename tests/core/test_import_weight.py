"""A worker that serves public pages never loads the libraries it does not use.

WeasyPrint (kits, the report, the record of processing), pygal (the report's
charts), python-gnupg, qrcode, icalendar and feedgen are imported by the code
that uses them, on first use: a worker holds them only once it printed, drew a
QR code or signed something (issue 19: worker memory ≤ 100 MiB).
"""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("weasyprint", "pygal", "gnupg", "qrcode", "icalendar", "feedgen", "bovine", "aiohttp",
         "pydantic", "pyld", "PIL", "py_svg_hush", "alembic")

SCRIPT = textwrap.dedent("""
    import sys
    from datetime import datetime

    from cryptoparty import create_app
    from cryptoparty.core.extensions import db
    from cryptoparty.events.demo import load_demo

    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "test",
                      "RATELIMIT_ENABLED": False, "TESTING": True,
                      "MIGRATIONS_CLI": False})  # as gunicorn.conf.py sets it
    now = datetime(2026, 3, 1, 12, 0)
    with app.app_context():
        db.create_all()
        load_demo(now.date(), now)
    client = app.test_client()
    for path in ("/", "/events/cryptoparty/", "/events/cryptoparty/register", "/orgs/biblinsa/",
                 "/showcase"):
        assert client.get(path).status_code == 200, path
    print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
""")


def test_serving_public_pages_imports_no_heavy_library(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, f"sqlite:///{tmp_path / 'db.sqlite'}"],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = set(result.stdout.split())
    assert "cryptoparty" in loaded and "flask" in loaded  # the script did run the app
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
