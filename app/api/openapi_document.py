"""The checked-in OpenAPI document (``docs/openapi.json``): how it is rendered, byte for byte."""

from __future__ import annotations

import json

from app.api.app import create_app
from app.config import Settings


def render() -> str:
    """The API's OpenAPI document as stable, indented JSON ending in a newline.

    Built from default settings so the environment cannot change the contract.
    """
    app = create_app(Settings(api_keys=None))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"
