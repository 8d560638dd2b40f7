"""Discord REST requests checked against Discord's OpenAPI document (discord/discord-api-spec, specs/openapi.json)."""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC = Path(__file__).resolve().parent.parent / "specs" / "discord_openapi.json"
BASE = "urn:discord-openapi"
SOURCE = "discord/discord-api-spec specs/openapi.json"
JSON = "application/json"


@dataclass(frozen=True)
class Operation:
    verb: str
    template: str
    pattern: re.Pattern[str]
    operation: dict


def _closed(value: Any) -> Any:
    """The spec with every object schema that lists its properties closed to others (`unevaluatedProperties:
    false`), so an argument Discord does not document is reported, not silently allowed."""
    if isinstance(value, list):
        return [_closed(item) for item in value]
    if not isinstance(value, dict):
        return value
    closed = {key: _closed(item) for key, item in value.items()}
    if "properties" in closed and "additionalProperties" not in closed and "unevaluatedProperties" not in closed:
        closed["unevaluatedProperties"] = False
    return closed


@functools.cache
def _spec() -> dict:
    return json.loads(SPEC.read_text(encoding="utf-8"))


@functools.cache
def _registry() -> Registry:
    closed = _closed(copy.deepcopy(_spec()))
    return Registry().with_resource(BASE, Resource.from_contents(closed, default_specification=DRAFT202012))


@functools.cache
def _operations() -> tuple[Operation, ...]:
    found = []
    for template, item in _spec()["paths"].items():
        regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        for verb, operation in item.items():
            if verb in ("get", "put", "post", "patch", "delete"):
                found.append(Operation(verb.upper(), template, re.compile(regex), operation))
    # Literal paths (/users/@me, …/messages/@original) before the templates they also match.
    return tuple(sorted(found, key=lambda op: op.template.count("{")))


def tolerated(verb: str, path: str, body: Any) -> list[str]:
    """discord.py's own extras in one request (see `discord_py_extras`)."""
    op = operation(verb, path)
    return discord_py_extras(verb, op.template, body)[1] if op is not None else []


def operation(verb: str, path: str) -> Operation | None:
    return next((op for op in _operations() if op.verb == verb and op.pattern.match(path)), None)


@functools.cache
def _body_validator(verb: str, template: str, content_type: str) -> Draft202012Validator:
    pointer = "/".join(part.replace("~", "~0").replace("/", "~1") for part in
                       ("paths", template, verb.lower(), "requestBody", "content", content_type, "schema"))
    return Draft202012Validator({"$ref": f"{BASE}#/{pointer}"}, registry=_registry())


def _messages(template: str, body: Any) -> list[dict]:
    """The message payloads inside a request body (a callback carries its message in `data`)."""
    if not isinstance(body, dict):
        return []
    if template.endswith("/callback"):
        return [body["data"]] if isinstance(body.get("data"), dict) else []
    return [body]


def discord_py_extras(verb: str, template: str, body: Any) -> tuple[Any, list[str]]:
    """`body` without what discord.py 2.x adds on its own that the OpenAPI document does not list, and what was
    removed. The adapter never writes these; Discord accepts them. Anything else is still validated."""
    if not isinstance(body, (dict, list)):
        return body, []
    body = copy.deepcopy(body)
    found: list[str] = []
    for message in _messages(template, body):
        # discord.py sends tts=False with every edit and UPDATE_MESSAGE callback (MessageEditRequest has no tts).
        editing = verb == "PATCH" or (template.endswith("/callback") and body.get("type") == 7)
        if editing and message.get("tts") is False:
            del message["tts"]
            found.append("tts on an edit")
        for embed in message.get("embeds") or []:
            if isinstance(embed, dict) and embed.get("flags") == 0:  # discord.Embed.to_dict always adds flags
                del embed["flags"]
                found.append("embed flags=0")
        reference = message.get("message_reference")
        if isinstance(reference, dict):  # discord.py sends snowflakes of a reply reference as integers
            for key in ("message_id", "channel_id", "guild_id"):
                if isinstance(reference.get(key), int):
                    reference[key] = str(reference[key])
                    found.append(f"integer snowflake message_reference.{key}")
    if verb == "POST" and template == "/users/@me/channels" and isinstance(body, dict):
        if isinstance(body.get("recipient_id"), int):  # User.create_dm passes the user's id as an integer
            body["recipient_id"] = str(body["recipient_id"])
            found.append("integer snowflake recipient_id")
    if verb == "PUT" and template.endswith("/commands") and isinstance(body, list):
        for command in body:
            if isinstance(command, dict) and command.get("nsfw") is False:  # AppCommand.to_dict adds nsfw
                del command["nsfw"]
                found.append("command nsfw=false")
    return body, sorted(set(found))


LIMIT_KEYWORDS = ("maxLength", "minLength", "maxItems", "minItems", "maximum", "minimum", "pattern")


def _leaves(error: ValidationError) -> list[ValidationError]:
    return [leaf for e in error.context for leaf in _leaves(e)] if error.context else [error]


def _explain(error: ValidationError) -> ValidationError:
    """For an error inside oneOf/anyOf, a leaf that says what is wrong: a broken limit (a button's custom_id over
    100 characters) before "matches none of the seven component types"; else the deepest leaf."""
    leaves = _leaves(error)
    limits = [e for e in leaves if e.validator in LIMIT_KEYWORDS]
    return limits[0] if limits else max(leaves, key=lambda e: (len(e.absolute_path), e.validator not in ("enum", "const")))


def violations(verb: str, path: str, content_type: str, query: dict, body: Any) -> list[str]:
    """What is wrong with one REST request (path relative to /api/v10; empty when it conforms)."""
    op = operation(verb, path)
    if op is None:
        return [f"{verb} {path}: no such operation in {SOURCE}"]
    where = f"{verb} {op.template} ({SOURCE})"
    found = []
    known_query = {p["name"] for p in op.operation.get("parameters", []) if p.get("in") == "query"}
    found += [f"unknown query parameter {name}: {where}" for name in sorted(set(query) - known_query)]
    content = (op.operation.get("requestBody") or {}).get("content") or {}
    if body is None:
        if (op.operation.get("requestBody") or {}).get("required"):
            found.append(f"missing request body: {where}")
        return found
    if content_type not in content:
        return found + [f"content type {content_type or '(none)'} not accepted: {where}"]
    if content_type == JSON:
        body, _ = discord_py_extras(verb, op.template, body)
        for error in _body_validator(verb, op.template, JSON).iter_errors(body):
            error = _explain(error)
            location = "/".join(str(p) for p in error.absolute_path) or "(body)"
            rule = f"{error.validator}={error.validator_value!r}" if error.validator != "$ref" else "schema"
            found.append(f"{location}: {rule[:80]} ({error.message[:160]}): {where}")
    return found
