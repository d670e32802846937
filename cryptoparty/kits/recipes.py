"""Recipes an organizer can use: the shipped catalogue and the organization's own.

The shipped recipes live in ``services.catalogue`` (files, read once per
process). An organization adds its own recipes as TOML, through the same
``validate_recipe`` gate; they are stored normalized (``dataclasses.asdict``
of the validated recipe, which has the TOML's shape), so reading one back is
a plain re-validation. An organization's key may not shadow a shipped key:
a workshop's ``recipe_key`` then always means one recipe for that organization.
"""

import dataclasses
import tomllib
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cryptoparty.core.database import atomic
from cryptoparty.core.errors import DomainError, NotFound
from cryptoparty.core.extensions import db
from cryptoparty.kits import catalogue
from cryptoparty.kits.models import OrganizationRecipe

MAX_SOURCE_BYTES = 64 * 1024


class RecipeRejected(DomainError):
    message = _l("This recipe cannot be used: %(detail)s")


class RecipeKeyTaken(DomainError):
    status = 409
    message = _l("The key “%(key)s” is already used by the catalogue or by another recipe of "
                 "your organization.")


class RecipeNotFound(NotFound):
    message = _l("There is no such recipe.")


@dataclasses.dataclass(frozen=True)
class CatalogueEntry:
    """A recipe as the back office lists it: where it comes from, and its record if it is own."""

    recipe: catalogue.Recipe
    shipped: bool
    record: OrganizationRecipe | None = None

    @property
    def key(self) -> str:
        """The recipe's key."""
        return self.recipe.key


def recipe_data(recipe: catalogue.Recipe) -> dict:
    """A validated recipe as plain data in the TOML's shape (what is stored as JSON)."""
    return dataclasses.asdict(recipe)


def own_recipes(organization) -> list[OrganizationRecipe]:
    """The organization's own recipes, by key."""
    query = select(OrganizationRecipe).filter_by(organization_id=organization.id)
    return list(db.session.scalars(query.order_by(OrganizationRecipe.key)))


def recipe_of(record: OrganizationRecipe) -> catalogue.Recipe:
    """The Recipe a stored record holds."""
    return catalogue.validate_recipe(record.data)


def catalogue_for(organization) -> list[CatalogueEntry]:
    """Every recipe the organization may use: the shipped ones, then its own."""
    entries = [CatalogueEntry(recipe, True) for recipe in catalogue.load_recipes().values()]
    if organization is not None:
        entries += [CatalogueEntry(recipe_of(r), False, r) for r in own_recipes(organization)]
    return entries


def find_recipe(organization, key: str | None) -> catalogue.Recipe | None:
    """The recipe a workshop's ``recipe_key`` names, shipped or own; None when there is none."""
    if not key:
        return None
    try:
        return catalogue.get_recipe(key)
    except catalogue.UnknownRecipe:
        pass
    if organization is None:
        return None
    record = db.session.scalar(select(OrganizationRecipe).filter_by(
        organization_id=organization.id, key=key))
    return recipe_of(record) if record is not None else None


def get_own_recipe(organization, key: str) -> OrganizationRecipe:
    """One of the organization's own recipes, or ``RecipeNotFound``."""
    record = db.session.scalar(select(OrganizationRecipe).filter_by(
        organization_id=organization.id, key=key))
    if record is None:
        raise RecipeNotFound()
    return record


def parse_source(source: str | bytes) -> catalogue.Recipe:
    """Parse and validate the TOML text of a recipe, or raise ``RecipeRejected``."""
    if isinstance(source, bytes):
        if len(source) > MAX_SOURCE_BYTES:
            raise RecipeRejected(detail=f"the file is larger than {MAX_SOURCE_BYTES} bytes")
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError:
            raise RecipeRejected(detail="the file is not UTF-8 text") from None
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise RecipeRejected(detail=f"not valid TOML ({error})") from None
    try:
        return catalogue.validate_recipe(data)
    except catalogue.InvalidRecipe as error:
        raise RecipeRejected(detail=str(error)) from None


def save_recipe(organization, source: str | bytes, *, now: datetime,
                replacing: OrganizationRecipe | None = None) -> OrganizationRecipe:
    """Validate a recipe's TOML and store it as the organization's (new, or replacing one)."""
    recipe = parse_source(source)
    text = source.decode("utf-8") if isinstance(source, bytes) else source
    with atomic():
        if recipe.key in catalogue.load_recipes():
            raise RecipeKeyTaken(key=recipe.key)
        clash = db.session.scalar(select(OrganizationRecipe.id).filter_by(
            organization_id=organization.id, key=recipe.key))
        if clash is not None and (replacing is None or clash != replacing.id):
            raise RecipeKeyTaken(key=recipe.key)
        record = replacing or OrganizationRecipe(organization_id=organization.id,
                                                 created_at=now)
        record.key = recipe.key
        record.data = recipe_data(recipe)
        record.source = text.replace("\r\n", "\n")
        record.updated_at = now
        db.session.add(record)
    return record


def delete_recipe(record: OrganizationRecipe) -> None:
    """Delete an own recipe; workshops made from it keep their text."""
    with atomic():
        db.session.delete(record)


#: The catalogue's topic tags as a reader sees them (a slug missing here is shown with
#: its hyphens turned into spaces).
TOPIC_LABELS = {
    "2fa": ("two-factor authentication", "double authentification"),
    "accounts": ("accounts", "comptes"), "anonymity": ("anonymity", "anonymat"),
    "backups": ("backups", "sauvegardes"), "browser": ("browser", "navigateur"),
    "censorship": ("censorship", "censure"), "cookies": ("cookies", "cookies"),
    "discussion": ("discussion", "discussion"),
    "disk-encryption": ("disk encryption", "chiffrement du disque"),
    "email": ("email", "courriel"), "encryption": ("encryption", "chiffrement"),
    "free-software": ("free software", "logiciel libre"),
    "install-party": ("install party", "install party"), "keepassxc": ("KeePassXC", "KeePassXC"),
    "linux": ("Linux", "Linux"), "location": ("location", "localisation"),
    "messaging": ("messaging", "messagerie"), "metadata": ("metadata", "métadonnées"),
    "nothing-to-hide": ("nothing to hide", "rien à cacher"),
    "openpgp": ("OpenPGP", "OpenPGP"), "operating-system": ("operating system", "système"),
    "orbot": ("Orbot", "Orbot"), "password-manager": ("password manager",
                                                      "gestionnaire de mots de passe"),
    "passwords": ("passwords", "mots de passe"), "permissions": ("permissions", "permissions"),
    "phishing": ("phishing", "hameçonnage"), "privacy": ("privacy", "vie privée"),
    "risk": ("risk", "risques"), "search-engines": ("search engines", "moteurs de recherche"),
    "security-plan": ("security plan", "plan de sécurité"), "signal": ("Signal", "Signal"),
    "smartphone": ("smartphone", "smartphone"), "surveillance": ("surveillance", "surveillance"),
    "tails": ("Tails", "Tails"), "threat-model": ("threat model", "modèle de menace"),
    "thunderbird": ("Thunderbird", "Thunderbird"), "tor": ("Tor", "Tor"),
    "tracking": ("tracking", "pistage"), "ublock-origin": ("uBlock Origin", "uBlock Origin"),
    "usb-key": ("USB stick", "clé USB"), "veracrypt": ("VeraCrypt", "VeraCrypt"),
}


def topic_label(slug: str, locale: str) -> str:
    """A catalogue topic in the reader's language (French or English)."""
    labels = TOPIC_LABELS.get(slug)
    if labels is None:
        return slug.replace("-", " ")
    return labels[1] if (locale or "fr").startswith("fr") else labels[0]


def workshop_fields(recipe: catalogue.Recipe, locale: str) -> dict:
    """Workshop form values taken from a recipe, in the given language."""
    text = recipe.text(locale)
    return {
        "format": recipe.format,
        "title": text.title,
        "summary": text.summary,
        "topics": ", ".join(topic_label(t, locale) for t in recipe.topics),
        "level": recipe.level,
        "materials": "\n".join(f"- {item}" for item in text.materials),
        "recipe_key": recipe.key,
    }
