"""The error body every JSON error carries (``widget.web.errors`` builds it from this)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    param: str
    message: str


class ErrorBody(BaseModel):
    """``error`` is a stable machine-readable code, ``message`` says what to do about it."""

    model_config = ConfigDict(extra="forbid")  # a new field must be declared here first

    error: str
    message: str
    param: str | None = Field(None, description="the parameter at fault")
    problems: list[Problem] | None = Field(None, description="every invalid badge option")
    reason: str | None = Field(None, description="opted_out: which opt-out signal")
    id: str | None = Field(None, description="moved: the account's own id")
    resets_at: str | None = Field(None, description="rate_limited +K: when it resets")
    field: str | None = Field(None, description="builder: the form field at fault")
    request_id: str | None = Field(None, description="internal_error: quote it in reports")

    def body(self) -> dict:
        """As JSON: fields that do not apply are left out."""
        return self.model_dump(mode="json", exclude_none=True)
