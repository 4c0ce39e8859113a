"""A column mapping as a client sends it (a JSON object in a body, or URL-encoded JSON in a query
parameter), read into the domain's Mapping; what is wrong with it said in plain words that name
the key ("mapping.columns.meter: column numbers start at 1"), never pydantic's own."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from ingestion.domain.errors import InvalidRequestError
from ingestion.domain.formats.mapping import MAPPED_FIELDS, Mapping

_EXAMPLE = '{"columns": {"meter": "MPAN", "value": 3}, "timezone": "Europe/London"}'
# Parts of an error's location that are pydantic's, not the client's: the member of a union tried.
_UNION_MEMBERS = ("constrained-int", "constrained-str", "[key]")


def mapping_from_json_text(text: str, where: str = "mapping") -> Mapping:
    """The mapping in a query parameter (its URL encoding already undone)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidRequestError(
            f"{where} is not valid JSON ({exc.msg} at character {exc.pos}): send the mapping object as "
            f"URL-encoded JSON, e.g. {_EXAMPLE}"
        ) from None
    return mapping_from(value, where)


def mapping_from(value: Any, where: str = "mapping") -> Mapping:
    """The mapping in `value` (a parsed JSON value), or InvalidRequestError naming each wrong key."""
    if isinstance(value, Mapping):
        return value
    if not isinstance(value, dict):
        raise InvalidRequestError(f"{where} must be a JSON object such as {_EXAMPLE}")
    try:
        return Mapping.model_validate(value)
    except ValidationError as exc:
        raise InvalidRequestError(problems(exc, where)) from None


def problems(exc: ValidationError, where: str = "mapping") -> str:
    """One sentence per wrong key, in the order the keys were found wrong."""
    said: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        loc = tuple(str(part) for part in error["loc"] if part not in _UNION_MEMBERS)
        key = ".".join((where, *loc))
        if key not in said:
            said[key] = _why(loc, error)
    return "invalid mapping: " + "; ".join(f"{key}: {why}" for key, why in said.items())


def _why(loc: tuple[str, ...], error: Any) -> str:
    kind, ctx, given = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "extra_forbidden":
        return f"not a mapping key (the keys are {', '.join(Mapping.model_fields)})"
    if loc[:1] == ("columns",) and len(loc) == 2:
        if "[key]" in [str(p) for p in error["loc"]]:
            fields = ", ".join(MAPPED_FIELDS)
            return f"{loc[1]!r} is not a field a column can be mapped to (the fields are {fields})"
        if isinstance(given, int) and not isinstance(given, bool) and given < 1:
            return f"column numbers start at 1 (1 is the first column), not {given}"
        return "give the column's header name, or its number (1 is the first column, at most 200)"
    if loc == ("columns",):
        return 'must be an object of field: column, e.g. {"meter": "MPAN", "value": 3}'
    if kind == "literal_error":
        return f"{given!r} is not one of {ctx.get('expected', '').replace(chr(39), '')}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}, not {given}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}, not {given}"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        return "must not be empty"
    if kind.startswith(("int_", "decimal_", "float_")):
        return f"must be a number, not {json.dumps(given, default=str)[:40]}"
    if kind.startswith("string_"):
        return f"must be text, not {json.dumps(given, default=str)[:40]}"
    return str(error["msg"]).removeprefix("Value error, ")
