"""Lexicons and policies over HTTP take the JSON of their files, checked by the same parser,
so an error names the field the way `ombuds lexicon import` does (`rules[3].terms[1]`,
`scope` with the column of a syntax error). The bodies' schemas, for the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field

from ombuds.errors import ImportFileError, InputError
from ombuds.interfaces.api.errors import ApiError
from ombuds.records.files import LEXICON_FORMAT, POLICY_FORMAT

T = TypeVar("T")
ActionName = Literal["block", "review", "label", "allow"]


class _Document(BaseModel):
    # The parser, not pydantic, validates bodies; this documents them (and responses).
    model_config = ConfigDict(extra="forbid")


class RuleDoc(_Document):
    """One rule: `term` for kind term, `terms` (two or more) for combination, `pattern`
    (a Python regular expression) for pattern."""

    id: str = Field(min_length=1)
    kind: Literal["term", "combination", "pattern"]
    category: str = Field(min_length=1)
    term: str | None = None
    terms: list[str] | None = None
    pattern: str | None = None


class LexiconDoc(_Document):
    format: Literal["ombuds.lexicon/1"] = LEXICON_FORMAT  # type: ignore[assignment]
    name: str = Field(min_length=1)
    description: str = ""
    separator_insensitive: bool = False
    rules: list[RuleDoc]


class LexiconSummary(BaseModel):
    name: str
    description: str
    separator_insensitive: bool
    rules: int = Field(description="How many rules it has.")


class LexiconsOut(BaseModel):
    lexicons: list[LexiconSummary]


class PolicyDoc(_Document):
    format: Literal["ombuds.policy/1"] = POLICY_FORMAT  # type: ignore[assignment]
    name: str = Field(min_length=1)
    description: str = ""
    scope: str = Field(min_length=1, description="A scope expression, e.g. region == 'EU'.")
    banks: list[str] = Field(default_factory=list)
    lexicons: list[str] = Field(default_factory=list)
    actions: dict[str, ActionName] = Field(default_factory=dict)
    default_action: ActionName = "review"
    ground: str = ""
    enabled: bool = True
    dihedral: bool = False
    confirm_bank: str = ""


class PoliciesOut(BaseModel):
    policies: list[PolicyDoc]


def body_of(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a route that parses its JSON body itself."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def located(exc: ImportFileError) -> InputError:
    """A file parser's error as an API error: the line in the message, the field as is."""
    where = f"line {exc.line}: " if exc.line is not None else ""
    return InputError(f"{where}{exc.message}", field=exc.field)


async def raw_body(request: Request) -> bytes:
    """The request's body as sent (a dependency: the routes themselves run in threads)."""
    return await request.body()


def parse_document(raw: bytes, parse: Callable[[str], T]) -> T:
    """The body parsed as a file would be; InputError naming the field."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(422, "malformed_json", "request body is not valid JSON: not UTF-8") from None
    if not text.strip():
        raise ApiError(422, "malformed_json", "request body is empty")
    try:
        return parse(text)
    except ImportFileError as exc:
        if exc.message.startswith("invalid JSON: "):  # the code every other route gives it
            reason = exc.message.removeprefix("invalid JSON: ")
            message = f"request body is not valid JSON: line {exc.line}: {reason}"
            raise ApiError(422, "malformed_json", message) from None
        raise located(exc) from None
