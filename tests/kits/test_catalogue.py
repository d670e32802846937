"""The workshop catalogue: shipped recipes, loader and validation (no Flask app needed)."""

import ast
import copy
import dataclasses
import re
import tomllib
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cryptoparty.kits import catalogue
from cryptoparty.kits.catalogue import (
    FORMATS,
    LEVELS,
    InvalidRecipe,
    PlanStep,
    Recipe,
    RecipeText,
    Resource,
    UnknownRecipe,
    get_recipe,
    load_recipes,
    parse_recipe,
    validate_recipe,
)

REQUIRED_KEYS = {
    "intro-talk",
    "tor-browser",
    "email-openpgp-thunderbird",
    "signal",
    "password-manager-keepassxc",
    "tails",
    "orbot-smartphone-permissions",
    "search-engines-browser-self-defence",
    "two-factor-authentication",
    "disk-encryption",
    "threat-modelling",
    "nothing-to-hide",
    "install-party-free-os",
}
RECIPES = load_recipes()
KEYS = sorted(RECIPES)
LANGS = ("fr", "en")


def _catalogue_files():
    folder = resources.files("cryptoparty.kits").joinpath("catalogue_recipes")
    return sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)


# --------------------------------------------------------------------------
# the shipped catalogue
# --------------------------------------------------------------------------

def test_the_required_recipes_are_all_there():
    assert REQUIRED_KEYS <= set(RECIPES)
    assert len(RECIPES) >= 13


def test_every_file_parses_validates_and_is_named_after_its_key():
    files = _catalogue_files()
    assert len(files) == len(RECIPES)
    for file in files:
        recipe = parse_recipe(file.read_bytes(), file.name)
        assert isinstance(recipe, Recipe)
        assert recipe.key == file.name.removesuffix(".toml")
        assert RECIPES[recipe.key] == recipe


def test_load_recipes_is_sorted_cached_and_returns_a_copy():
    first = load_recipes()
    assert list(first) == sorted(first)
    first.pop("signal")
    second = load_recipes()
    assert "signal" in second
    assert second["tails"] is first["tails"]  # parsed once per process


@pytest.mark.parametrize("key", KEYS)
def test_recipe_header(key):
    recipe = RECIPES[key]
    assert recipe.format in FORMATS
    assert recipe.level in LEVELS
    assert 15 <= recipe.duration_minutes <= 240
    assert recipe.topics and all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", t) for t in recipe.topics)
    assert recipe.skills and all(s.strip() for s in recipe.skills)


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("lang", LANGS)
def test_every_field_is_filled_in_both_languages(key, lang):
    text = RECIPES[key].text(lang)
    for field in dataclasses.fields(RecipeText):
        value = getattr(text, field.name)
        assert value, f"{key}: {lang}.{field.name} is empty"
        if isinstance(value, tuple):
            for item in value:
                if isinstance(item, str):
                    assert item.strip(), f"{key}: an item of {lang}.{field.name} is blank"
                elif isinstance(item, PlanStep):
                    assert item.step.strip() and item.minutes > 0
                elif isinstance(item, Resource):
                    assert item.title.strip() and item.url.strip()
        else:
            assert value.strip()


@pytest.mark.parametrize("key", KEYS)
def test_the_two_languages_are_different_texts(key):
    recipe = RECIPES[key]
    assert recipe.fr.title != recipe.en.title
    assert recipe.fr.summary != recipe.en.summary
    assert recipe.fr.handout != recipe.en.handout


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("lang", LANGS)
def test_plan_minutes_add_up_to_the_duration(key, lang):
    recipe = RECIPES[key]
    plan = recipe.text(lang).plan
    assert sum(step.minutes for step in plan) == recipe.duration_minutes
    assert all(step.minutes > 0 for step in plan)


@pytest.mark.parametrize("key", KEYS)
def test_both_plans_have_the_same_timings(key):
    recipe = RECIPES[key]
    assert [s.minutes for s in recipe.fr.plan] == [s.minutes for s in recipe.en.plan]


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("lang", LANGS)
def test_resources_are_https_links(key, lang):
    links = RECIPES[key].text(lang).resources
    assert 3 <= len(links) <= catalogue.MAX_RESOURCES
    for link in links:
        parts = urlsplit(link.url)
        assert parts.scheme == "https", link.url
        assert parts.hostname and "." in parts.hostname, link.url
        assert " " not in link.url


def test_the_reference_guides_are_cited():
    urls = {r.url for recipe in RECIPES.values() for lang in LANGS
            for r in recipe.text(lang).resources}
    hosts = {urlsplit(url).hostname for url in urls}
    assert "guide.boum.org" in hosts            # Guide d'autodéfense numérique
    assert "ssd.eff.org" in hosts               # EFF Surveillance Self-Defense
    assert "www.torproject.org" in hosts
    assert "www.cnil.fr" in hosts
    assert "https://www.torproject.org/download/" in {
        r.url for r in RECIPES["tor-browser"].fr.resources}


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("lang", LANGS)
def test_handouts_fit_on_one_page(key, lang):
    text = RECIPES[key].text(lang)
    words = len(text.handout.split())
    assert 200 <= words < 400, f"{key} [{lang}] handout has {words} words"
    assert len(text.handout_paragraphs) >= 4
    assert all(p.strip() == p and p for p in text.handout_paragraphs)


@pytest.mark.parametrize("key", KEYS)
def test_french_text_uses_typographic_apostrophes(key):
    recipe = RECIPES[key]
    strings = [recipe.fr.title, recipe.fr.summary, recipe.fr.audience, recipe.fr.handout,
               *recipe.fr.goals, *recipe.fr.prerequisites, *recipe.fr.materials,
               *recipe.fr.pitfalls, *(s.step for s in recipe.fr.plan),
               *(r.title for r in recipe.fr.resources)]
    assert not [s for s in strings if "'" in s]


def test_text_picks_the_language_and_falls_back_to_english():
    recipe = get_recipe("tor-browser")
    assert recipe.text("fr") is recipe.fr
    assert recipe.text("fr_FR") is recipe.fr
    assert recipe.text("fr-CA") is recipe.fr
    assert recipe.text("FR") is recipe.fr
    assert recipe.text("en") is recipe.en
    assert recipe.text("en_GB") is recipe.en
    assert recipe.text("de") is recipe.en
    assert recipe.text("") is recipe.en
    assert recipe.text(None) is recipe.en
    assert recipe.text() is recipe.en

    class BabelLikeLocale:
        language = "fr"
        territory = "BE"

    assert recipe.text(BabelLikeLocale()) is recipe.fr


def test_get_recipe():
    assert get_recipe("signal") is load_recipes()["signal"]
    with pytest.raises(UnknownRecipe) as caught:
        get_recipe("no-such-recipe")
    assert isinstance(caught.value, KeyError)
    assert caught.value.key == "no-such-recipe"
    assert str(caught.value) == "no catalogue recipe with key 'no-such-recipe'"
    with pytest.raises(UnknownRecipe):
        get_recipe(["not", "hashable"])


def test_recipes_are_frozen():
    recipe = get_recipe("tails")
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.duration_minutes = 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.fr.title = "x"
    assert isinstance(recipe.fr.goals, tuple)
    hash(recipe)


def test_the_module_does_not_depend_on_flask():
    tree = ast.parse(Path(catalogue.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"flask", "flask_babel", "werkzeug", "cryptoparty"}


def test_formats_and_levels_are_those_the_database_accepts():
    from cryptoparty.events.models import WorkshopFormat, WorkshopLevel

    assert catalogue.FORMATS == tuple(WorkshopFormat)
    assert catalogue.LEVELS == tuple(WorkshopLevel)


# --------------------------------------------------------------------------
# validation of a recipe (also used for an organization's own uploads)
# --------------------------------------------------------------------------

def _text(title):
    return {
        "title": title,
        "summary": "A short  summary\non two lines.",
        "goals": ["One goal."],
        "audience": "Everyone.",
        "prerequisites": ["None."],
        "materials": ["Post-its."],
        "plan": [{"minutes": 20, "step": "Talk."}, {"minutes": 40, "step": "Practise."}],
        "pitfalls": ["Someone is late: start anyway."],
        "resources": [{"title": "EFF", "url": "https://ssd.eff.org/"}],
        "handout": "  Title\n\n\nFirst  paragraph\n\n• one\n• two  \n",
    }


def _valid():
    return {
        "key": "my-recipe",
        "format": "workshop",
        "level": "beginner",
        "duration_minutes": 60,
        "topics": ["privacy"],
        "skills": ["Facilitation"],
        "fr": _text("Ma recette"),
        "en": _text("My recipe"),
    }


def test_a_valid_recipe_is_accepted_and_tidied():
    recipe = validate_recipe(_valid())
    assert recipe.key == "my-recipe"
    assert recipe.en.summary == "A short summary on two lines."
    assert recipe.en.handout == "Title\n\nFirst paragraph\n\n• one\n• two"
    assert recipe.en.handout_paragraphs == ("Title", "First paragraph", "• one\n• two")
    assert recipe.fr.plan == (PlanStep(20, "Talk."), PlanStep(40, "Practise."))
    assert recipe.fr.resources == (Resource("EFF", "https://ssd.eff.org/"),)


def _refused(mutate):
    data = _valid()
    mutate(data)
    with pytest.raises(InvalidRecipe) as caught:
        validate_recipe(data)
    return caught.value


def test_invalid_recipe_is_a_value_error_with_field_and_reason():
    error = _refused(lambda d: d.pop("level"))
    assert isinstance(error, ValueError)
    assert error.field == "level"
    assert error.reason == "missing field"
    assert str(error) == "level: missing field"


_BAD_KEY = ("is not a valid key "
            "(lowercase letters, digits and single hyphens, at most 60 characters)")


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("skills"),
     "skills: missing field"),
    (lambda d: d.pop("en"),
     "en: missing field"),
    (lambda d: d["fr"].pop("handout"),
     "fr.handout: missing field"),
    (lambda d: d["en"]["resources"][0].pop("url"),
     "en.resources[0].url: missing field"),
    (lambda d: d.update(colour="blue"),
     "unknown field 'colour' "
     "(allowed: key, format, level, duration_minutes, topics, skills, fr, en)"),
    (lambda d: d["fr"].update(notes="x"),
     "fr: unknown field 'notes' (allowed: title, summary, goals, audience, prerequisites, "
     "materials, plan, pitfalls, resources, handout)"),
    (lambda d: d.update(format="lecture"),
     "format: unknown value 'lecture' (one of: workshop, talk, discussion, install, meal)"),
    (lambda d: d.update(level="expert"),
     "level: unknown value 'expert' (one of: beginner, intermediate, advanced)"),
    (lambda d: d["fr"]["plan"][1].update(minutes=35),
     "fr.plan: the steps add up to 55 minutes, but duration_minutes is 60"),
    (lambda d: d.update(duration_minutes=90),
     "fr.plan: the steps add up to 60 minutes, but duration_minutes is 90"),
    (lambda d: d["en"]["plan"][0].update(minutes="20"),
     "en.plan[0].minutes: must be a whole number of minutes, not a string"),
    (lambda d: d["en"]["plan"][0].update(minutes=0),
     "en.plan[0].minutes: must be between 1 and 60, not 0"),
    (lambda d: d.update(duration_minutes=True),
     "duration_minutes: must be a whole number of minutes, not a boolean"),
    (lambda d: d.update(duration_minutes=1000),
     "duration_minutes: must be between 1 and 600, not 1000"),
    (lambda d: d["en"]["resources"][0].update(url="http://ssd.eff.org/"),
     "en.resources[0].url: 'http://ssd.eff.org/' must be an https:// address"),
    (lambda d: d["fr"]["resources"][0].update(url="javascript:alert(1)"),
     "fr.resources[0].url: 'javascript:alert(1)' must be an https:// address"),
    (lambda d: d["fr"]["resources"][0].update(url="https://"),
     "fr.resources[0].url: 'https://' has no valid host name"),
    (lambda d: d["fr"]["resources"][0].update(url="https://user:pw@example.org/"),
     "fr.resources[0].url: 'https://user:pw@example.org/' "
     "must not contain a user name or password"),
    (lambda d: d["fr"]["resources"][0].update(url="https://example.org/a b"),
     "fr.resources[0].url: 'https://example.org/a b' contains spaces or control characters"),
    (lambda d: d["fr"]["resources"].append({"title": "Again", "url": "https://ssd.eff.org/"}),
     "fr.resources[1].url: 'https://ssd.eff.org/' is listed twice"),
    (lambda d: d["fr"].update(goals=[]),
     "fr.goals: must not be empty"),
    (lambda d: d["fr"].update(goals="One goal."),
     "fr.goals: must be a list, not a string"),
    (lambda d: d["fr"].update(goals=["ok", "  "]),
     "fr.goals[1]: must not be empty"),
    (lambda d: d["en"].update(title="   "),
     "en.title: must not be empty"),
    (lambda d: d["en"].update(title="Two\nlines"),
     "en.title: must fit on one line"),
    (lambda d: d["en"].update(handout="word " * 451),
     "en.handout: has 451 words, the limit is 450 (one printed page)"),
    (lambda d: d["en"].update(plan={"minutes": 60, "step": "x"}),
     "en.plan: must be a list, not a table"),
    (lambda d: d["en"]["plan"].__setitem__(0, "Talk for 20 minutes"),
     "en.plan[0]: must be a table, not a string"),
    (lambda d: d.update(key="Tor Browser"),
     f"key: 'Tor Browser' {_BAD_KEY}"),
    (lambda d: d.update(topics=["tor", "Tor Browser"]),
     f"topics[1]: 'Tor Browser' {_BAD_KEY}"),
    (lambda d: d.update(topics=["tor", "tor"]),
     "topics[1]: 'tor' is listed twice"),
    (lambda d: d.update(skills=["Tor", "tor"]),
     "skills[1]: 'tor' is listed twice"),
])
def test_invalid_recipes_are_refused_with_a_precise_message(mutate, message):
    assert str(_refused(mutate)) == message


def test_a_document_that_is_not_a_table_is_refused():
    with pytest.raises(InvalidRecipe, match="must be a table, not a list"):
        validate_recipe([])


def test_too_many_resources_for_one_printed_page():
    def mutate(d):
        d["en"]["resources"] = [{"title": f"R{i}", "url": f"https://example.org/{i}"}
                                for i in range(catalogue.MAX_RESOURCES + 1)]
    assert str(_refused(mutate)) == f"en.resources: has {catalogue.MAX_RESOURCES + 1} items, " \
                                    f"the limit is {catalogue.MAX_RESOURCES}"


def test_parse_recipe_reports_the_source_and_bad_toml():
    with pytest.raises(InvalidRecipe) as caught:
        parse_recipe('key = "x"\nformat = ', "upload.toml")
    assert str(caught.value).startswith("upload.toml: not valid TOML (")
    with pytest.raises(InvalidRecipe, match=r"^upload\.toml: the file is not UTF-8 text$"):
        parse_recipe(b"key = \"\xff\"", "upload.toml")
    with pytest.raises(InvalidRecipe, match=r"^upload\.toml: format: missing field$"):
        parse_recipe('key = "x"\n', "upload.toml")


def test_a_recipe_round_trips_through_asdict():
    # how an organization's own recipe can be stored (as JSON) and checked again on load
    for recipe in RECIPES.values():
        assert validate_recipe(dataclasses.asdict(recipe)) == recipe


def test_a_shipped_recipe_round_trips_through_validation():
    # validate_recipe must accept its own catalogue verbatim, byte for byte
    for file in _catalogue_files():
        data = tomllib.loads(file.read_text(encoding="utf-8"))
        before = copy.deepcopy(data)
        validate_recipe(data)
        assert data == before  # validation never mutates its input


def test_catalogue_topics_reach_workshops_in_the_readers_language_never_as_slugs():
    from cryptoparty.kits import catalogue, recipes

    for recipe in catalogue.load_recipes().values():
        for slug in recipe.topics:
            assert slug in recipes.TOPIC_LABELS, slug
    assert recipes.topic_label("usb-key", "fr") == "clé USB"
    assert recipes.topic_label("usb-key", "en") == "USB stick"
    assert recipes.topic_label("some-new-topic", "fr") == "some new topic"
