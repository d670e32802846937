"""The workshop catalogue: reusable, bilingual workshop recipes.

The recipes ship with the package as TOML files in ``cryptoparty/kits/catalogue_recipes/``,
one file per recipe, named after its key. ``validate_recipe`` is the single
gate every recipe goes through, whether it comes from those files or is
uploaded by an organization in the back office, so it is strict and says
precisely what is wrong.

This module is plain Python: no Flask, no request, no session.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

# The values of events.models.WorkshopFormat and WorkshopLevel, written out: this module
# imports nothing of the application (tests/kits/test_catalogue.py checks both).
FORMATS = ("workshop", "talk", "discussion", "install", "meal")
LEVELS = ("beginner", "intermediate", "advanced")
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "en"

#: Upper bounds that keep a recipe printable (the handout is one A4 page with
#: a QR code per resource) and an uploaded file reasonable.
MAX_DURATION_MINUTES = 600
MAX_LIST_ITEMS = 20
MAX_PLAN_STEPS = 20
MAX_RESOURCES = 8
MAX_TITLE_CHARS = 120
MAX_LINE_CHARS = 600
MAX_SUMMARY_CHARS = 800
MAX_HANDOUT_WORDS = 450
MAX_URL_CHARS = 500

_PACKAGE = "cryptoparty.kits"
_DIRECTORY = "catalogue_recipes"
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_BLANK_LINE = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")

_TOP_FIELDS = ("key", "format", "level", "duration_minutes", "topics", "skills") + LANGUAGES
_TEXT_FIELDS = (
    "title", "summary", "goals", "audience", "prerequisites", "materials",
    "plan", "pitfalls", "resources", "handout",
)
_PLAN_FIELDS = ("minutes", "step")
_RESOURCE_FIELDS = ("title", "url")


class InvalidRecipe(ValueError):
    """A recipe that does not follow the catalogue's format.

    ``field`` names the offending field with a path such as ``fr.plan[2].minutes``
    (empty when the problem is the whole document), ``reason`` says what is wrong.
    """

    def __init__(self, field: str, reason: str, source: str | None = None):
        self.field = field
        self.reason = reason
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.source, self.field) if part)
        return f"{where}: {self.reason}" if where else self.reason


class UnknownRecipe(KeyError):
    """No recipe with this key in the catalogue."""

    def __init__(self, key: str):
        self.key = key
        super().__init__(key)

    def __str__(self) -> str:
        return f"no catalogue recipe with key {self.key!r}"


@dataclass(frozen=True)
class Resource:
    """A link given to the attendees (printed with its QR code on the handout)."""

    title: str
    url: str


@dataclass(frozen=True)
class PlanStep:
    """One timed step of the facilitation plan."""

    minutes: int
    step: str


@dataclass(frozen=True)
class RecipeText:
    """Everything a recipe says, in one language."""

    title: str
    summary: str
    goals: tuple[str, ...]
    audience: str
    prerequisites: tuple[str, ...]
    materials: tuple[str, ...]
    plan: tuple[PlanStep, ...]
    pitfalls: tuple[str, ...]
    resources: tuple[Resource, ...]
    handout: str

    @property
    def handout_paragraphs(self) -> tuple[str, ...]:
        """The handout's paragraphs; a line break inside one starts a new line (list items)."""
        return tuple(self.handout.split("\n\n"))


@dataclass(frozen=True)
class Recipe:
    """A reusable workshop recipe, in French and English.

    ``dataclasses.asdict(recipe)`` gives back data that ``validate_recipe`` accepts,
    so an organization's own recipe can be stored as JSON and checked again on load.
    """

    key: str
    format: str
    level: str
    duration_minutes: int
    topics: tuple[str, ...]
    skills: tuple[str, ...]
    fr: RecipeText
    en: RecipeText

    def text(self, locale: object = None) -> RecipeText:
        """The text for a locale ('fr', 'fr_FR', 'en-GB', a babel Locale...), English otherwise."""
        language = _language(locale)
        return getattr(self, language if language in LANGUAGES else DEFAULT_LANGUAGE)


def _tidy(text: str) -> str:
    """Spaces tidied up (runs of ASCII white space become one space); the narrow no-break
    spaces of French typography (U+202F) and no-break spaces stay where they are."""
    return re.sub(r"[ \t\r\n\f\v]+", " ", text).strip()



def _language(locale: object) -> str:
    if locale is None:
        return DEFAULT_LANGUAGE
    language = getattr(locale, "language", None) or str(locale)
    return re.split(r"[-_@.]", language.strip().lower(), maxsplit=1)[0]


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------

def _check_fields(data: Any, allowed: tuple[str, ...], where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise InvalidRecipe(where, f"must be a table, not {_kind(data)}")
    unknown = sorted(str(name) for name in data if name not in allowed)
    if unknown:
        raise InvalidRecipe(where, f"unknown field {unknown[0]!r} (allowed: {', '.join(allowed)})")
    for name in allowed:
        if name not in data:
            raise InvalidRecipe(_join(where, name), "missing field")
    return data


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, (list, tuple, set)):
        return "a list"
    return type(value).__name__


def _line(value: Any, field: str, max_chars: int = MAX_LINE_CHARS) -> str:
    """A non-empty string on one line, with its spaces tidied up."""
    if not isinstance(value, str):
        raise InvalidRecipe(field, f"must be a string, not {_kind(value)}")
    if "\n" in value.strip():
        raise InvalidRecipe(field, "must fit on one line")
    text = _tidy(value)
    if not text:
        raise InvalidRecipe(field, "must not be empty")
    if len(text) > max_chars:
        raise InvalidRecipe(field, f"is {len(text)} characters long, the limit is {max_chars}")
    return text


def _paragraph(value: Any, field: str, max_chars: int) -> str:
    """A non-empty string; line breaks are folded into spaces."""
    if not isinstance(value, str):
        raise InvalidRecipe(field, f"must be a string, not {_kind(value)}")
    text = _tidy(value)
    if not text:
        raise InvalidRecipe(field, "must not be empty")
    if len(text) > max_chars:
        raise InvalidRecipe(field, f"is {len(text)} characters long, the limit is {max_chars}")
    return text


def _handout(value: Any, field: str) -> str:
    """Paragraphs separated by one blank line; a single line break inside a
    paragraph is kept (it starts a new line, e.g. a list item)."""
    if not isinstance(value, str):
        raise InvalidRecipe(field, f"must be a string, not {_kind(value)}")
    paragraphs = []
    for block in _BLANK_LINE.split(value.replace("\r\n", "\n")):
        lines = [_tidy(line) for line in block.split("\n")]
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    if not paragraphs:
        raise InvalidRecipe(field, "must not be empty")
    words = sum(len(p.split()) for p in paragraphs)
    if words > MAX_HANDOUT_WORDS:
        raise InvalidRecipe(field, f"has {words} words, the limit is {MAX_HANDOUT_WORDS} "
                                   "(one printed page)")
    return "\n\n".join(paragraphs)


def _list(value: Any, field: str, max_items: int = MAX_LIST_ITEMS) -> list[Any] | tuple[Any, ...]:
    if not isinstance(value, (list, tuple)):
        raise InvalidRecipe(field, f"must be a list, not {_kind(value)}")
    if not value:
        raise InvalidRecipe(field, "must not be empty")
    if len(value) > max_items:
        raise InvalidRecipe(field, f"has {len(value)} items, the limit is {max_items}")
    return value


def _lines(value: Any, field: str) -> tuple[str, ...]:
    return tuple(_line(item, f"{field}[{i}]") for i, item in enumerate(_list(value, field)))


def _unique(items: tuple[str, ...], field: str) -> tuple[str, ...]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        folded = item.casefold()
        if folded in seen:
            raise InvalidRecipe(f"{field}[{i}]", f"{item!r} is listed twice")
        seen.add(folded)
    return items


def _integer(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRecipe(field, f"must be a whole number of minutes, not {_kind(value)}")
    if not low <= value <= high:
        raise InvalidRecipe(field, f"must be between {low} and {high}, not {value}")
    return value


def _choice(value: Any, field: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise InvalidRecipe(field, f"must be a string, not {_kind(value)}")
    if value not in choices:
        raise InvalidRecipe(field, f"unknown value {value!r} (one of: {', '.join(choices)})")
    return value


def _slug(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidRecipe(field, f"must be a string, not {_kind(value)}")
    if not _SLUG.match(value) or len(value) > 60:
        raise InvalidRecipe(field, f"{value!r} is not a valid key (lowercase letters, "
                                   "digits and single hyphens, at most 60 characters)")
    return value


def _https_url(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidRecipe(field, f"must be a string, not {_kind(value)}")
    url = value.strip()
    if not url:
        raise InvalidRecipe(field, "must not be empty")
    if len(url) > MAX_URL_CHARS:
        raise InvalidRecipe(field, f"is {len(url)} characters long, the limit is {MAX_URL_CHARS}")
    if any(c.isspace() for c in url) or any(ord(c) < 32 for c in url):
        raise InvalidRecipe(field, f"{url!r} contains spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (reading it raises ValueError on a malformed port)
    except ValueError:
        raise InvalidRecipe(field, f"{url!r} is not a valid URL") from None
    if parts.scheme.lower() != "https":
        raise InvalidRecipe(field, f"{url!r} must be an https:// address")
    if not parts.hostname or "." not in parts.hostname:
        raise InvalidRecipe(field, f"{url!r} has no valid host name")
    if parts.username is not None or parts.password is not None:
        raise InvalidRecipe(field, f"{url!r} must not contain a user name or password")
    return url


def _plan(value: Any, field: str, duration: int) -> tuple[PlanStep, ...]:
    steps = []
    for i, item in enumerate(_list(value, field, MAX_PLAN_STEPS)):
        where = f"{field}[{i}]"
        item = _check_fields(item, _PLAN_FIELDS, where)
        steps.append(PlanStep(
            minutes=_integer(item["minutes"], f"{where}.minutes", 1, duration),
            step=_paragraph(item["step"], f"{where}.step", MAX_LINE_CHARS),
        ))
    total = sum(step.minutes for step in steps)
    if total != duration:
        raise InvalidRecipe(field, f"the steps add up to {total} minutes, "
                                   f"but duration_minutes is {duration}")
    return tuple(steps)


def _resources(value: Any, field: str) -> tuple[Resource, ...]:
    links = []
    seen: set[str] = set()
    for i, item in enumerate(_list(value, field, MAX_RESOURCES)):
        where = f"{field}[{i}]"
        item = _check_fields(item, _RESOURCE_FIELDS, where)
        link = Resource(
            title=_line(item["title"], f"{where}.title", MAX_TITLE_CHARS),
            url=_https_url(item["url"], f"{where}.url"),
        )
        if link.url in seen:
            raise InvalidRecipe(f"{where}.url", f"{link.url!r} is listed twice")
        seen.add(link.url)
        links.append(link)
    return tuple(links)


def _text(value: Any, language: str, duration: int) -> RecipeText:
    data = _check_fields(value, _TEXT_FIELDS, language)

    def at(name: str) -> str:
        return f"{language}.{name}"

    return RecipeText(
        title=_line(data["title"], at("title"), MAX_TITLE_CHARS),
        summary=_paragraph(data["summary"], at("summary"), MAX_SUMMARY_CHARS),
        goals=_lines(data["goals"], at("goals")),
        audience=_paragraph(data["audience"], at("audience"), MAX_LINE_CHARS),
        prerequisites=_lines(data["prerequisites"], at("prerequisites")),
        materials=_lines(data["materials"], at("materials")),
        plan=_plan(data["plan"], at("plan"), duration),
        pitfalls=_lines(data["pitfalls"], at("pitfalls")),
        resources=_resources(data["resources"], at("resources")),
        handout=_handout(data["handout"], at("handout")),
    )


def validate_recipe(data: dict) -> Recipe:
    """Check a recipe's raw data (as parsed from TOML) and return it as a Recipe."""
    data = _check_fields(data, _TOP_FIELDS, "")
    duration = _integer(data["duration_minutes"], "duration_minutes", 1, MAX_DURATION_MINUTES)
    topics = _unique(tuple(_slug(t, f"topics[{i}]")
                           for i, t in enumerate(_list(data["topics"], "topics"))), "topics")
    return Recipe(
        key=_slug(data["key"], "key"),
        format=_choice(data["format"], "format", FORMATS),
        level=_choice(data["level"], "level", LEVELS),
        duration_minutes=duration,
        topics=topics,
        skills=_unique(_lines(data["skills"], "skills"), "skills"),
        fr=_text(data["fr"], "fr", duration),
        en=_text(data["en"], "en", duration),
    )


def parse_recipe(source: str | bytes, name: str | None = None) -> Recipe:
    """Parse and validate the TOML text of one recipe (a shipped file or an upload)."""
    try:
        if isinstance(source, bytes):
            source = source.decode("utf-8")
        data = tomllib.loads(source)
    except UnicodeDecodeError:
        raise InvalidRecipe("", "the file is not UTF-8 text", name) from None
    except tomllib.TOMLDecodeError as error:
        raise InvalidRecipe("", f"not valid TOML ({error})", name) from None
    try:
        return validate_recipe(data)
    except InvalidRecipe as error:
        raise InvalidRecipe(error.field, error.reason, name) from None


# --------------------------------------------------------------------------
# the shipped catalogue
# --------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _catalogue() -> Mapping[str, Recipe]:
    folder = resources.files(_PACKAGE).joinpath(_DIRECTORY)
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".toml")),
                   key=lambda f: f.name)
    recipes: dict[str, Recipe] = {}
    for file in files:
        name = f"{_DIRECTORY}/{file.name}"
        recipe = parse_recipe(file.read_bytes(), name)
        if recipe.key != file.name.removesuffix(".toml"):
            raise InvalidRecipe("key", f"{recipe.key!r} does not match the file name", name)
        recipes[recipe.key] = recipe
    return MappingProxyType(recipes)


def load_recipes() -> dict[str, Recipe]:
    """All the shipped recipes by key, sorted by key (files are read once per process)."""
    return dict(_catalogue())


def get_recipe(key: str) -> Recipe:
    """The shipped recipe with this key, or UnknownRecipe."""
    try:
        return _catalogue()[key]
    except (KeyError, TypeError):
        raise UnknownRecipe(key) from None
