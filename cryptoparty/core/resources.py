"""Where the application finds its templates, static files and migrations.

From a checkout they are the repository's top-level ``templates/``, ``static/``
and ``migrations/`` folders (DESIGN.md: "create_app points Flask at the top-level
folders"), and ``instance/`` holds the deployment's own files. A wheel ships
copies of the three folders inside the package (``setup.py`` puts them in
``cryptoparty/_resources/``); its instance folder is then Flask's default,
``<prefix>/var/cryptoparty-instance``, unless ``CRYPTOPARTY_INSTANCE_PATH`` says.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent
PACKAGED = (_PACKAGE / "_resources").is_dir()
ROOT = _PACKAGE / "_resources" if PACKAGED else _PACKAGE.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
MIGRATIONS = ROOT / "migrations"
#: None when installed from a wheel: Flask then picks <prefix>/var/cryptoparty-instance.
INSTANCE = None if PACKAGED else ROOT / "instance"
