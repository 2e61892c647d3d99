"""The API's OpenAPI document: django-ninja's, plus what it cannot say by itself."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from townhall.accounts.api_auth import anonymous


class _Document(OpenAPISchema):
    def request_body(self, operation: Operation) -> dict[str, Any]:
        """A file part of a multipart body must hold at least one byte (``minLength: 1``).

        Every file the API takes is refused when empty (an empty avatar is not an image, an
        empty video not a video), so the document says so; it also keeps fuzzers from sending
        an empty part, which some encoders write so that Django's multipart parser sees no
        file at all and the answer is "Field required" instead of the refusal.
        """
        body = super().request_body(operation)
        form = body.get("content", {}).get("multipart/form-data", {}).get("schema", {})
        for prop in form.get("properties", {}).values():
            if prop.get("type") == "string" and prop.get("format") == "binary":
                prop.setdefault("minLength", 1)
        return body

    def operation_security(self, operation: Operation) -> list[dict[str, Any]] | None:
        """An operation that also serves anonymous requests (``optional_auth``) lists the
        empty requirement ``{}`` after its schemes, OpenAPI's way of saying that credentials
        are optional; django-ninja lists only the schemes, which says they are required."""
        security = super().operation_security(operation)
        if security and anonymous in operation.auth_callbacks:
            security.append({})
        return security


class DocumentedAPI(NinjaAPI):
    """A NinjaAPI whose OpenAPI document, served and exported, is ``_Document``."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return _Document(self, path_prefix)
