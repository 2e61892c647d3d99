"""Errors that services raise, each with a stable code that clients can act on.

The API turns them into ``{"error": {"code", "message", "fields"}}`` with the error's status;
the pages show the message next to the field it names.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}

    def response_headers(self) -> dict[str, str]:
        """HTTP headers that belong with this error on any response (the API's and the pages')."""
        return {}

    @classmethod
    def for_field(cls, field: str, code: str, message: str) -> DomainError:
        return cls(code, message, fields={field: message})


class NotAuthenticated(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class RateLimited(DomainError):
    """Too many attempts; ``retry_after`` is the number of seconds until the limit's window
    resets, sent as ``Retry-After``."""

    status = 429

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retry_after: int,
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code, message, fields=fields)
        self.retry_after = max(1, retry_after)

    def response_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
