"""``/api/v1/openapi.json``: the OpenAPI description of the JSON API.

The description is a static file, ``cryptoparty/registration/openapi.json``, kept by hand;
``tests/privacy/test_fuzzing.py`` runs schemathesis against it, so a change of
the API that it does not describe fails the suite.
"""

import functools
import json
from pathlib import Path

from flask import Blueprint, jsonify

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")

OPENAPI_PATH = Path(__file__).resolve().parent / "openapi.json"


@functools.cache
def openapi_description() -> dict:
    """The OpenAPI description, read once."""
    return json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of the JSON API."""
    return jsonify(openapi_description())
