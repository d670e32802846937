"""pytest plugin for scripts/test-all: which parts of the suite ran, which were skipped and why.

Each test belongs to one part (the first that matches, in PARTS order). At the
end of the session, one line goes to the file named by ``TEST_PARTS_REPORT``:

    ran: sqlite (812), postgresql (457), redis (2), ...; skipped: accessibility (axe-core ...)

A part is "ran" when at least one of its tests ran, and "skipped" with the
reasons when none did (skipped by the test itself, or all deselected by ``-m`` or
``-k``). Skips inside a part that ran are counted at the end of the line; the
suite's own "skipped, by reason" section lists them.
"""

import os
from collections import Counter, defaultdict
from pathlib import Path

import pytest


def _path(item) -> str:
    return Path(str(item.fspath)).as_posix()


PARTS = [  # (name, predicate on a collected item), first match wins
    ("postgresql", lambda item: item.get_closest_marker("postgres") is not None
     or "postgresql" in getattr(getattr(item, "callspec", None), "id", "").split("-")),
    ("redis", lambda item: item.get_closest_marker("redis") is not None),
    ("accessibility", lambda item: _path(item).endswith("/e2e/test_accessibility.py")),
    ("e2e (chromium)", lambda item: item.get_closest_marker("e2e") is not None),
    ("packaging (wheel)", lambda item: "/packaging/" in _path(item)),
    ("real servers", lambda item: item.get_closest_marker("slow") is not None),
    ("sqlite", lambda item: True),
]


class PartsReport:
    def __init__(self, config, path: str):
        self.config = config
        self.path = path
        self.part_of: dict[str, str] = {}
        self.total: Counter = Counter()
        self.ran: Counter = Counter()
        self.skipped: dict[str, Counter] = defaultdict(Counter)
        self.deselected: dict[str, Counter] = defaultdict(Counter)

    @staticmethod
    def classify(item) -> str:
        return next(name for name, matches in PARTS if matches(item))

    def pytest_deselected(self, items):
        marks = self.config.getoption("markexpr", "") or ""
        keywords = self.config.getoption("keyword", "") or ""
        by = [f"-m '{marks}'"] * bool(marks) + [f"-k '{keywords}'"] * bool(keywords)
        why = f"deselected by {' and '.join(by)}" if by else "deselected"
        for item in items:
            part = self.classify(item)
            self.total[part] += 1
            self.deselected[part][why] += 1

    @pytest.hookimpl(trylast=True)  # after -m/-k deselection and the markers conftests add
    def pytest_collection_modifyitems(self, items):
        for item in items:
            part = self.classify(item)
            self.part_of[item.nodeid] = part
            self.total[part] += 1

    def pytest_runtest_logreport(self, report):
        part = self.part_of.get(report.nodeid)
        if part is None:
            return
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) \
                else str(report.longrepr)
            self.skipped[part][reason.removeprefix("Skipped: ")] += 1
        elif report.when == "call" or (report.when == "setup" and report.failed):
            self.ran[part] += 1

    def line(self) -> str:
        ran, skipped, partial = [], [], 0
        for name, _ in PARTS:
            if not self.total[name]:
                continue
            if self.ran[name]:
                ran.append(f"{name} ({self.ran[name]})")
                partial += sum(self.skipped[name].values())
            else:
                why = self.skipped[name] or self.deselected[name]
                # The reason's first clause: "PostgreSQL not configured: set ..." -> its head.
                reasons = "; ".join(dict.fromkeys(
                    reason.split(": ")[0] for reason, _ in why.most_common(3)))
                skipped.append(f"{name} ({reasons or 'not run'})")
        text = f"ran: {', '.join(ran) or 'none'}; skipped: {', '.join(skipped) or 'none'}"
        if partial:
            tests = "test" if partial == 1 else "tests"
            text += f" (and {partial} {tests} skipped inside parts that ran, listed above)"
        return text

    def pytest_sessionfinish(self):
        Path(self.path).write_text(self.line() + "\n")


def pytest_configure(config):
    path = os.environ.get("TEST_PARTS_REPORT")
    if path and not hasattr(config, "workerinput"):
        config.pluginmanager.register(PartsReport(config, path), "parts-report")
