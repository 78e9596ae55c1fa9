"""The app under test and its OpenAPI, built once: the document the suites walk is the one served.

The conftest binds the app's sessions to the seeded test database before any test runs.
"""

from __future__ import annotations

import schemathesis
from fastapi import FastAPI

from tightnut.app import create_app
from tightnut.config import Settings
from tightnut.rules import load_catalog

CATALOG = load_catalog()
APP: FastAPI = create_app(Settings(database_url="sqlite://"), catalog=CATALOG)
DOCUMENT = APP.openapi()
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
"""Every operation of the OpenAPI, as schemathesis reads it, by label (``GET /api/v1/me``)."""
