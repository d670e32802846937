import collections

from tests.core.pages import build_demo, crawl
from tests.core.typography import faults


def test_try(app):
    code, token = build_demo(app)
    c = crawl(app, "fr", code, token)
    counter = collections.Counter()
    for url, html in c.html.items():
        for f in faults(html):
            counter[f] += 1
    for f, n in counter.most_common(): print(n, f)
    assert 0
