"""Domain exceptions that services raise and views turn into messages."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the domain refuses; ``field`` names the input at fault, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """The named object does not exist."""
