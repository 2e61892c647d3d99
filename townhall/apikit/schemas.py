"""What every JSON request body of the API must be, whatever its operation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator, model_validator
from pydantic_core import PydanticCustomError


class InputSchema(BaseModel):
    """A JSON request body: an object, with no NUL character in any text.

    A plain pydantic model, not a ninja ``Schema``: a ``Schema`` validates its input as it
    would a Django model instance, reading attributes, so an array, a string or a number
    passed as an object without fields, and a PATCH whose fields are all optional answered 200
    and changed nothing. PostgreSQL cannot store a NUL character
    in text (Django's form fields refuse one for that reason), so one ended as a 500 there and
    was stored as sent on SQLite.
    """

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
