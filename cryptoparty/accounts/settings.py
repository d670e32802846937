"""An organization's settings, changed by its owners from the back office.

The logo: PNG or JPEG re-encoded by Pillow (its metadata dropped, at most
``LOGO_MAX_SIDE`` pixels a side), or an SVG that is refused with the reason when
it holds a script, an event handler, a foreign object or a reference to
anything outside itself, and otherwise re-serialised by py-svg-hush (Cloudflare's
svg-hush) as a second line of defence. The SVG is parsed with defusedxml, so
entity tricks (billion laughs, external entities) are refused too. The two
colours are checked against WCAG AA (4.5:1) before saving: the brand colour
carries white text and is text on white, and on the background colour.
"""

import io
import re
from urllib.parse import urlsplit

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException
from flask_babel import lazy_gettext as _l

from cryptoparty.accounts import audit
from cryptoparty.accounts.models import AuditAction, Organization, Organizer
from cryptoparty.core import origins as _origins
from cryptoparty.core.database import atomic
from cryptoparty.core.errors import DomainError

LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_SIDE = 1024
LOGO_MAX_PIXELS = 4096 * 4096
MIN_CONTRAST = 4.5
TEXT_COLOR = "#1b1f24"  # --ink of static/css/site.css
LOCALES = ("fr", "en")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# Elements a logo may hold: shapes, paint, text and grouping; nothing that runs or fetches.
SVG_ELEMENTS = {
    "svg", "g", "defs", "title", "desc", "path", "rect", "circle", "ellipse", "line",
    "polyline", "polygon", "text", "tspan", "linearGradient", "radialGradient", "stop",
    "clipPath", "mask", "use", "symbol", "style", "metadata", "pattern", "filter",
    "feGaussianBlur", "feOffset", "feBlend", "feColorMatrix", "feFlood", "feComposite",
    "feMerge", "feMergeNode",
}


class InvalidLogo(DomainError):
    message = _l("This logo cannot be used: %(reason)s")


class InvalidColor(DomainError):
    message = _l("A colour is written #rrggbb, for instance #1a5fb4.")


class LowContrast(DomainError):
    message = _l("These colours are too close (contrast %(ratio)s:1, at least 4.5:1 is needed "
                 "for text to be readable, WCAG AA): %(pair)s.")


class InvalidSetting(DomainError):
    message = _l("This value is not valid: %(field)s.")


# ------------------------------------------------------------------ colours

def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours, from 1 to 21."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def check_colors(primary: str | None, background: str | None) -> tuple[str | None, str | None]:
    """Both colours normalised, or a ``DomainError`` naming the pair that lacks contrast."""
    for value in (primary, background):
        if value and not COLOR.match(value):
            raise InvalidColor()
    primary = primary.lower() if primary else None
    background = background.lower() if background else None
    pairs = []
    if primary:
        pairs.append((primary, "#ffffff", _l("brand colour and white")))
        if background:
            pairs.append((primary, background, _l("brand colour and background colour")))
    if background:
        pairs.append((TEXT_COLOR, background, _l("text and background colour")))
    for first, second, name in pairs:
        ratio = contrast(first, second)
        if ratio < MIN_CONTRAST:
            raise LowContrast(ratio=f"{ratio:.1f}", pair=str(name))
    return primary, background


# ------------------------------------------------------------------ logo

def _refuse(reason) -> InvalidLogo:
    return InvalidLogo(reason=str(reason))


def _local_name(tag: str) -> str:
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def _check_svg(data: bytes) -> None:
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, SafeElementTree.ParseError, ValueError):
        raise _refuse(_l("it is not a well-formed SVG file (or it declares entities).")) \
            from None
    if root.tag != f"{SVG_NS}svg":
        raise _refuse(_l("it is not an SVG image."))
    for element in root.iter():
        name = _local_name(element.tag) if isinstance(element.tag, str) else ""
        if name == "script":
            raise _refuse(_l("it contains a script."))
        for attribute, value in element.attrib.items():
            attr = _local_name(attribute).lower()
            if attr.startswith("on"):
                raise _refuse(_l("it contains a script (an event handler)."))
            if attribute in ("href", XLINK_HREF) and not value.strip().startswith("#"):
                raise _refuse(_l("it refers to something outside itself (%(ref)s).")
                              % {"ref": value[:60]})
            _check_css(value)
        if not element.tag.startswith(SVG_NS) or name not in SVG_ELEMENTS:
            raise _refuse(_l("it contains an element that is not allowed in a logo (%(name)s)."
                             ) % {"name": name[:40]})
        if name == "style":
            _check_css(element.text or "")


def _check_css(value: str) -> None:
    lowered = re.sub(r"[\s\\]", "", value.lower())
    if "@import" in lowered or "javascript:" in lowered or "expression(" in lowered:
        raise _refuse(_l("it refers to something outside itself."))
    for target in re.findall(r"url\(([^)]*)\)", lowered):
        if not target.strip("'\"").startswith("#"):
            raise _refuse(_l("it refers to something outside itself (%(ref)s).")
                          % {"ref": target[:60]})


def clean_logo(data: bytes) -> tuple[bytes, str]:
    """The logo to store and its media type, or ``InvalidLogo`` with the reason."""
    # Pillow and the SVG filter are loaded by the first logo, not by every worker.
    from PIL import Image, UnidentifiedImageError
    from py_svg_hush import filter_svg

    if not data:
        raise _refuse(_l("the file is empty."))
    if len(data) > LOGO_MAX_BYTES:
        raise _refuse(_l("it is larger than %(size)d KB.") % {"size": LOGO_MAX_BYTES // 1024})
    head = data.lstrip()[:5]
    if head.startswith(b"<"):
        _check_svg(data)
        try:
            return filter_svg(data), "image/svg+xml"
        except ValueError:
            raise _refuse(_l("it is not a well-formed SVG file.")) from None
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                raise _refuse(_l("only PNG, JPEG and SVG images are accepted."))
            if image.width * image.height > LOGO_MAX_PIXELS:
                raise _refuse(_l("the image has too many pixels."))
            image.load()
            image.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE))
            converted = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
            out = io.BytesIO()
            # Re-encoded: only the pixels survive (no metadata, no trailing bytes).
            converted.save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise _refuse(_l("it is not an image (PNG, JPEG or SVG).")) from None
    return out.getvalue(), "image/png"


# ------------------------------------------------------------------ origins

# The one rule for an origin allowed to embed is core.origins (the embed page uses it too).
InvalidOrigin = _origins.InvalidOrigin
TooManyOrigins = _origins.TooManyOrigins


def clean_origins(text: str) -> str:
    """The origins allowed to embed, one a line: ``core.origins.parse_origins`` (the one rule)."""
    return "\n".join(_origins.parse_origins(text))


# ------------------------------------------------------------------ saving

def update_settings(actor: Organizer, organization: Organization, now, *, name: str,
                    address: str = "", city: str = "", website: str = "",
                    default_locale: str = "fr", default_retention_days: int = 7,
                    contact_email: str = "", color_primary: str | None = None,
                    color_background: str | None = None, embed_origins: str = "",
                    audit_retention_days: int = 365, logo: bytes | None = None,
                    remove_logo: bool = False) -> Organization:
    """Check every value first, then save them together (and record it in the audit trail)."""
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= 200:
        raise InvalidSetting(field=str(_l("name")))
    if default_locale not in LOCALES:
        raise InvalidSetting(field=str(_l("language")))
    if not 0 <= int(default_retention_days) <= 366:
        raise InvalidSetting(field=str(_l("retention")))
    if not 1 <= int(audit_retention_days) <= 3660:
        raise InvalidSetting(field=str(_l("audit trail retention")))
    contact_email = (contact_email or "").strip()
    if contact_email and (len(contact_email) > 254 or not EMAIL.match(contact_email)):
        raise InvalidSetting(field=str(_l("contact e-mail")))
    website = (website or "").strip()
    if website and urlsplit(website).scheme not in ("https", "http"):
        raise InvalidSetting(field=str(_l("website")))
    primary, background = check_colors(color_primary or None, color_background or None)
    origins = clean_origins(embed_origins)
    cleaned_logo = clean_logo(logo) if logo else None
    with atomic():
        organization.name = name
        organization.address = (address or "").strip()[:300]
        organization.city = (city or "").strip()[:100]
        organization.website = website[:300]
        organization.default_locale = default_locale
        organization.default_retention_days = int(default_retention_days)
        organization.audit_retention_days = int(audit_retention_days)
        organization.contact_email = contact_email
        organization.color_primary = primary
        organization.color_background = background
        organization.embed_origins = origins
        if cleaned_logo:
            organization.logo, organization.logo_type = cleaned_logo
        elif remove_logo:
            organization.logo = organization.logo_type = None
        audit.record(actor, organization, AuditAction.SETTINGS_CHANGED, organization.slug, now)
    return organization
