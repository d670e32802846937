"""Where the application finds its templates, static files and migrations.

From a checkout they are the repository's top-level ``templates/``, ``static/``
and ``migrations/`` folders (DESIGN.md: "create_app points Flask at the top-level
folders"); ``instance/`` holds the deployment's own files.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
MIGRATIONS = ROOT / "migrations"
INSTANCE = ROOT / "instance"
