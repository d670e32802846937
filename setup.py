"""Packaging: setup.cfg holds the metadata; this file only adds the resources step.

The repository keeps ``templates/``, ``static/`` and ``migrations/`` at its top
level. A wheel must carry them, so ``build_py`` copies them into the built
package as ``cryptoparty/_resources/`` (``create_app`` uses that folder when it
exists, and the checkout's top level otherwise), and compiles the translation
catalogues (``.po`` to ``.mo``) that a checkout compiles with ``make translations``.
An editable install (``make install``) copies nothing: it reads the checkout.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
RESOURCES = ("templates", "static", "migrations")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")


class build_py_with_resources(build_py):
    """``build_py``, plus the top-level resources and the compiled catalogues."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        package = Path(self.build_lib) / "cryptoparty"
        target = package / "_resources"
        shutil.rmtree(target, ignore_errors=True)  # no stale file from an earlier build
        for name in RESOURCES:
            shutil.copytree(HERE / name, target / name, ignore=IGNORED)
        self._compile_catalogs(package)

    @staticmethod
    def _compile_catalogs(package: Path):
        from babel.messages.mofile import write_mo  # a build requirement (pyproject.toml)
        from babel.messages.pofile import read_po

        for po_path in package.rglob("LC_MESSAGES/*.po"):
            with po_path.open("rb") as f:
                catalog = read_po(f, locale=po_path.parent.parent.name)
            with po_path.with_suffix(".mo").open("wb") as f:
                write_mo(f, catalog)


setup(cmdclass={"build_py": build_py_with_resources})
