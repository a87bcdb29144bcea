"""The OpenAPI schema the server serves is valid OpenAPI 3.1 (clients and schema-driven fuzzers read it)."""

from __future__ import annotations

from api_helpers import bearer
from openapi_spec_validator import OpenAPIV31SpecValidator, validate


def test_served_schema_is_valid_openapi_3_1(shared_client, template_db):
    served = shared_client.get("/api/openapi.json", headers=bearer(template_db[1]["vic"])).json()
    assert served["openapi"].startswith("3.1") and served == shared_client.app.openapi()
    validate(served, cls=OpenAPIV31SpecValidator)
    # The event stream, described with OpenAPI 3.2's itemSchema by FastAPI, keeps what its events hold.
    events = served["paths"]["/api/live"]["get"]["responses"]["200"]["content"]["text/event-stream"]
    assert events["schema"] == {"type": "string"}
    assert events["x-itemSchema"]["properties"]["data"]["contentSchema"] == {"$ref": "#/components/schemas/LiveOut"}
