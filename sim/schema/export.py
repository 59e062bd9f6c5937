"""The JSON Schema of scenario files, for editors (validation and completion)."""

from __future__ import annotations

import json
from typing import Any

from sim.schema.scenario import Scenario

__all__ = ["scenario_json_schema"]

SCHEMA_ID = "https://capexsim.invalid/scenario.schema.json"


def scenario_json_schema() -> str:
    """The schema as indented JSON text. ``extends`` is the loader's, so it is added here."""
    schema: dict[str, Any] = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "capexsim scenario"
    schema.setdefault("properties", {})["extends"] = {
        "type": "string",
        "description": "Path (relative to this file) of a scenario this one extends: mappings "
        "merge key by key, lists and values replace. A file that extends another may omit "
        "fields the base file gives.",
    }
    return json.dumps(schema, indent=2, sort_keys=False)
