"""What every JSON request body of the API must be, whatever its operation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from pydantic_core import PydanticCustomError

# The characters Python's ``str.split()`` and ``str.strip()`` take for whitespace, which the
# services trim and collapse, spelled out so that every regex engine (Python's, ECMAScript's in
# clients, Rust's in pydantic and jsonschema-rs) reads a declared pattern alike; ``\s`` differs.
WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Text without a NUL character, which InputSchema refuses in every field.
NO_NUL = r"^[^\x00]*$"
# Text with something in it besides whitespace (and no NUL): what a required name must be.
NOT_BLANK = rf"^[^\x00]*[^\x00{WHITESPACE}][^\x00]*$"


def _declare_no_nul(schema: dict[str, Any]) -> None:
    """Every text property that declares no pattern of its own gets ``NO_NUL``: the document
    says what ``_has_no_nul`` refuses. A property's own pattern must exclude NUL itself."""
    for prop in schema.get("properties", {}).values():
        if "pattern" in prop:
            continue
        for variant in [prop, *prop.get("anyOf", [])]:
            if variant.get("type") == "string" and "pattern" not in variant:
                variant["pattern"] = NO_NUL


class InputSchema(BaseModel):
    """A JSON request body: an object, with no NUL character in any text.

    A plain pydantic model, not a ninja ``Schema``: a ``Schema`` validates its input as it
    would a Django model instance, reading attributes, so an array, a string or a number
    passed as an object without fields, and a PATCH whose fields are all optional answered 200
    and changed nothing. PostgreSQL cannot store a NUL character
    in text (Django's form fields refuse one for that reason), so one ended as a 500 there and
    was stored as sent on SQLite.

    The OpenAPI document declares the NUL rule as a pattern on every text field.
    """

    model_config = ConfigDict(json_schema_extra=_declare_no_nul)

    @model_validator(mode="before")
    @classmethod
    def _is_an_object(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise PydanticCustomError("body_not_object", "The request body must be a JSON object.")
        return data

    @field_validator("*", mode="after")
    @classmethod
    def _has_no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("nul_character", "Text cannot contain NUL characters.")
        return value
