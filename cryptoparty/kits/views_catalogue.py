"""The workshop catalogue in the back office: browse recipes, make workshops from them,
and keep the organization's own recipes."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from cryptoparty.accounts import roles
from cryptoparty.accounts.guard import permission_required
from cryptoparty.accounts.roles import Permission
from cryptoparty.core import clock, validation
from cryptoparty.core.errors import DomainError
from cryptoparty.core.forms import ActionForm
from cryptoparty.core.idempotency import idempotent_form
from cryptoparty.events import services as event_service
from cryptoparty.events.forms import WorkshopForm
from cryptoparty.events.models import EventStatus
from cryptoparty.kits import catalogue
from cryptoparty.kits import recipes as recipe_service
from cryptoparty.kits.forms import RecipeForm

bp = Blueprint("catalogue", __name__, url_prefix="/manage")

EXAMPLE_RECIPE = "tor-browser"


@bp.before_request
@permission_required(Permission.EVENTS)
def require_login():
    """Every catalogue page needs an account that plans events."""


def _organization(slug: str | None = None):
    """One of the organizer's organizations (the first one by default), or 404."""
    organizations = {o.slug: o for o in roles.organizations_with(current_user,
                                                                Permission.EVENTS)}
    if slug is None:
        slug = next(iter(organizations), None)
    organization = organizations.get(slug)
    if organization is None:
        abort(404)
    return organization


def _event_or_none(slug: str | None):
    if not slug:
        return None
    return event_service.get_event_for(current_user, slug)


@bp.get("/catalogue")
def index():
    """Every recipe the organizer can use; ``?event=`` adds an "add to this event" button."""
    event = _event_or_none(request.args.get("event"))
    organization = event.organization if event else _organization(request.args.get("org"))
    entries = recipe_service.catalogue_for(organization)
    return render_template("manage/catalogue/index.html", entries=entries, event=event,
                           organization=organization, locale=str(get_locale()))


@bp.get("/catalogue/<key>")
def recipe(key):
    """One recipe in full, in the reader's language."""
    event = _event_or_none(request.args.get("event"))
    organization = event.organization if event else _organization(request.args.get("org"))
    found = recipe_service.find_recipe(organization, key)
    if found is None:
        abort(404)
    own = None if key in catalogue.load_recipes() else key
    events = [e for e in event_service.events_of(current_user)
              if e.organization_id == organization.id
              and e.status in (EventStatus.DRAFT, EventStatus.PUBLISHED)]
    return render_template("manage/catalogue/recipe.html", recipe=found,
                           text=found.text(get_locale()), organization=organization,
                           event=event, events=events, own=own, action=ActionForm())


def _workshop_form(event, **kwargs) -> WorkshopForm:
    form = WorkshopForm(**kwargs)
    form.session_id.choices = [SelectChoice(s.id, s.label) for s in event.sessions]
    return form


@bp.route("/events/<slug>/workshops/from-catalogue/<key>", methods=["GET", "POST"])
@idempotent_form
def new_workshop(slug, key):
    """A workshop form filled from a recipe, in the organization's language; saving it
    creates the workshop linked to the recipe."""
    event = event_service.get_event_for(current_user, slug)
    found = recipe_service.find_recipe(event.organization, key)
    if found is None:
        abort(404)
    if not event.sessions:
        flash(_("Add a session first: every workshop belongs to a time slot."), "info")
        return redirect(url_for("manage.new_session", slug=event.slug))
    prefill = recipe_service.workshop_fields(found, event.organization.default_locale)
    if request.method == "GET":
        form = _workshop_form(event, data={k: v for k, v in prefill.items()
                                           if k != "recipe_key"})
        if validation.parse_id(request.args.get("session")):
            form.session_id.data = validation.parse_id(request.args["session"])
    else:
        form = _workshop_form(event)
    if form.validate_on_submit():
        session = next((s for s in event.sessions if s.id == form.session_id.data), None)
        if session is None:
            abort(400)
        fields = {name: form[name].data for name in event_service.WORKSHOP_FIELDS
                  if name in form}
        try:
            event_service.add_workshop(session, now=clock.now(), recipe_key=found.key, **fields)
        except DomainError as error:
            form.capacity.errors = list(form.capacity.errors) + [error.describe()]
        else:
            flash(_("The workshop is added, with its recipe: its kit has a facilitator's "
                    "sheet and a handout."), "success")
            return redirect(url_for("manage.event", slug=event.slug))
    return render_template("manage/catalogue/workshop_form.html", form=form, event=event,
                           recipe=found, text=found.text(event.organization.default_locale)
                           ), 400 if form.errors else 200


# The organization's own recipes -------------------------------------------------

def _recipe_source(form: RecipeForm) -> str | bytes | None:
    if form.upload.data and getattr(form.upload.data, "filename", ""):
        return form.upload.data.read(recipe_service.MAX_SOURCE_BYTES + 1)
    return form.source.data or None


def _example_source() -> str:
    from importlib import resources
    text = resources.files("cryptoparty.kits").joinpath(
        f"catalogue_recipes/{EXAMPLE_RECIPE}.toml").read_text(encoding="utf-8")
    return text.replace(f'key = "{EXAMPLE_RECIPE}"', 'key = "my-workshop"', 1)


@bp.route("/orgs/<org>/recipes/new", methods=["GET", "POST"])
@idempotent_form
def new_recipe(org):
    """Add a recipe of the organization: TOML pasted or uploaded, checked like the catalogue."""
    organization = _organization(org)
    form = RecipeForm()
    if request.method == "GET":
        form.source.data = _example_source()
    return _save(form, organization, None)


@bp.route("/orgs/<org>/recipes/<key>/edit", methods=["GET", "POST"])
def edit_recipe(org, key):
    """Change one of the organization's recipes."""
    organization = _organization(org)
    record = recipe_service.get_own_recipe(organization, key)
    form = RecipeForm()
    if request.method == "GET":
        form.source.data = record.source
    return _save(form, organization, record)


def _save(form, organization, record):
    if form.validate_on_submit():
        source = _recipe_source(form)
        if source is None:
            form.source.errors = list(form.source.errors) + [
                _("Paste the recipe or choose a file.")]
        else:
            try:
                saved = recipe_service.save_recipe(organization, source, now=clock.now(),
                                                   replacing=record)
            except DomainError as error:
                form.source.errors = list(form.source.errors) + [error.describe()]
                if isinstance(source, str):
                    form.source.data = source
            else:
                flash(_("The recipe is saved."), "success")
                return redirect(url_for("catalogue.recipe", key=saved.key,
                                        org=organization.slug))
    return render_template("manage/catalogue/recipe_form.html", form=form,
                           organization=organization, record=record,
                           action=ActionForm()), 400 if form.errors else 200


@bp.post("/orgs/<org>/recipes/<key>/delete")
def delete_recipe(org, key):
    """Delete one of the organization's recipes; workshops made from it keep their text."""
    organization = _organization(org)
    record = recipe_service.get_own_recipe(organization, key)
    if not ActionForm().validate_on_submit():
        abort(400)
    recipe_service.delete_recipe(record)
    flash(_("The recipe is deleted."), "success")
    return redirect(url_for("catalogue.index", org=organization.slug))
