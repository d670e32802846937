"""French typography, as a French reader expects it, checked on rendered text.

A narrow no-break space (U+202F) before ``:`` ``;`` ``!`` ``?`` and inside « »; no
"(s)" plural (ngettext says it properly); no catalogue slug where a topic is shown.
"""

import re
from html.parser import HTMLParser

NNBSP = "\u202f"
SKIPPED = {"script", "style", "code", "pre", "textarea", "kbd", "samp"}
ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")
#: Words that end in s or x in the singular, after which "1 …s" is right.
INVARIABLE = ("fois", "mois", "mars", "pas", "prix", "temps", "choix", "cas", "accès", "sans",
              "plus", "sous", "dans", "après", "avis", "repas", "anglais", "français", "jus",
              "bras", "corps", "voix", "gros")
RULES = [
    (re.compile(r"[ \u00a0\t][:;!?](?=\s|$)"), "a plain space before : ; ! ?"),
    (re.compile(r"[^\s\u202f:;!?/\"'()][;!?](?=\s|$)"), "no narrow no-break space before ; ! ?"),
    (re.compile(r"[^\s\u202f\d:/\"'()][:](?=\s|$)"), "no narrow no-break space before :"),
    (re.compile(r"«(?!\u202f)"), "no narrow no-break space after «"),
    (re.compile(r"(?<!\u202f)»"), "no narrow no-break space before »"),
    (re.compile(r"\w\((?:s|e|es|x)\)"), "a (s) plural: use ngettext"),
    # « 1 arrivés », « 0 personnes »: in French 0 and 1 take the singular (ngettext).
    (re.compile(r"(?<![\d.,:/\w\u00a0\u202f-])[01][ \u00a0\u202f](?!(?:" + "|".join(INVARIABLE)
                + r")\b)[a-zàâçéèêëîïôûù]{2,}[sx]\b"), "a plural after 0 or 1: use ngettext"),
]
SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)+$")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.chunks = []
        self.topic = 0
        self.topics = []
        self.in_topics = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in SKIPPED:
            self.skip += 1
        for name in ATTRIBUTES:
            if attrs.get(name):
                self.chunks.append(attrs[name])
        classes = (attrs.get("class") or "").split()
        if tag == "p":
            self.in_topics = "workshop__topics" in classes
        # A topic: a span of a workshop card's topics but the visually hidden "Topics:", or a
        # skill's span elsewhere.
        if tag == "span" and ("topic" in classes
                              or self.in_topics and "visually-hidden" not in classes):
            self.topic += 1

    def handle_endtag(self, tag):
        if tag in SKIPPED and self.skip:
            self.skip -= 1
        if tag == "span" and self.topic:
            self.topic -= 1
        if tag == "p":
            self.in_topics = False

    def handle_data(self, data):
        if self.topic:
            self.topics.append(data.strip())
        if not self.skip:
            self.chunks.append(data)


def faults(html: str) -> list[str]:
    """Every typographic fault of a French page, each with its surroundings."""
    parser = _Text()
    parser.feed(html)
    found = []
    for chunk in parser.chunks:
        text = " ".join(chunk.split(" ")) if chunk else ""
        for rule, why in RULES:
            for match in rule.finditer(text):
                if why.startswith("no narrow") and "://" in text[max(0, match.start() - 8):
                                                              match.end() + 3]:
                    continue
                found.append(f"{why}: …{text[max(0, match.start() - 30):match.end() + 10]}…")
    found += [f"an untranslated slug shown as a topic: {t}" for t in parser.topics
              if SLUG.match(t)]
    return found


def text_faults(text: str) -> list[str]:
    """The same rules on plain text (a PDF's)."""
    found = []
    for line in text.splitlines():
        for rule, why in RULES:
            for match in rule.finditer(line):
                if "://" in line[max(0, match.start() - 8):match.end() + 3]:
                    continue
                found.append(f"{why}: …{line[max(0, match.start() - 30):match.end() + 10]}…")
        if re.match(r"^\s*[:;!?»,.]", line):
            found.append(f"a line that starts with punctuation: {line[:50]}")
    return found
