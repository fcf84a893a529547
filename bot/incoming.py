"""The body of `POST /api/messages` read as an activity, checked before botbuilder gets it.

botbuilder reads the body before it authenticates the caller, and msrest fails in ways it does
not catch on JSON that is not an activity: `[1]`, `null`, `"from": "x"`, a timestamp that is not
one, a list where an object belongs. Each of those was an HTTP 500 with a stack trace, for anyone
who can reach the endpoint. Here the JSON is held against the schema's own attribute maps (the
types msrest would read each field as), nesting is bounded, and whatever msrest still refuses is
caught: the caller gets 400 and the log one line naming the field, never the field's value.
An activity must also say where it comes from and where to answer (`REQUIRED`).
"""

from __future__ import annotations

from typing import Any

import botbuilder.schema
from botbuilder.schema import Activity
from msrest.exceptions import DeserializationError
from msrest.serialization import Deserializer

MAX_DEPTH = 64  # Teams' activities nest a dozen levels at most (cards in attachments included)
REQUIRED = ("channelId", "serviceUrl", "from", "conversation")


class NotAnActivity(ValueError):
    """The body is JSON but not an activity; the message says why (field names only)."""


def read_activity(body: Any) -> Activity:
    """`body` (parsed JSON) as an `Activity`, or `NotAnActivity`."""
    if not isinstance(body, dict):
        raise NotAnActivity(f"the body is a JSON {_kind(body)}, not an object")
    kind = body.get("type")
    if not isinstance(kind, str) or not kind.strip():
        raise NotAnActivity("type is missing or not a string")
    if _depth(body) > MAX_DEPTH:
        raise NotAnActivity(f"nested deeper than {MAX_DEPTH} levels")
    _check(body, Activity, "")
    for field in REQUIRED:  # every channel's activity names them; no reply can be sent without them
        value = body.get(field)
        if not value or (field in ("from", "conversation") and not value.get("id")):
            raise NotAnActivity(f"{field} is missing" if not value else f"{field}.id is missing")
    try:
        activity = Activity.deserialize(body)
    except (DeserializationError, ValueError, TypeError, AttributeError) as exc:
        raise NotAnActivity(f"botbuilder cannot read it ({exc.__class__.__name__})") from None
    if not isinstance(activity, Activity):
        raise NotAnActivity("botbuilder cannot read it")
    return activity


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )


def _depth(value: Any) -> int:
    """How deeply `value` nests, counted without recursion (the body may be a megabyte of '[')."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _model(type_name: str) -> Any:
    model = getattr(botbuilder.schema, type_name, None)
    return model if isinstance(model, type) and hasattr(model, "_attribute_map") else None


def _check(data: dict[str, Any], model: Any, path: str) -> None:
    """Each field `model` declares has the JSON type msrest reads it as (nested models too)."""
    for spec in model._attribute_map.values():
        key, kind = spec["key"], spec["type"]
        value = data.get(key)
        if value is None:
            continue
        _check_value(value, kind, f"{path}{key}")


def _check_value(value: Any, kind: str, where: str) -> None:
    if kind == "str":
        if not isinstance(value, str):
            raise NotAnActivity(f"{where} is a {_kind(value)}, not a string")
    elif kind == "iso-8601":
        if not isinstance(value, str):
            raise NotAnActivity(f"{where} is a {_kind(value)}, not a date and time")
        try:
            Deserializer.deserialize_iso(value)
        except (DeserializationError, ValueError, TypeError, OverflowError):
            raise NotAnActivity(f"{where} is not a date and time") from None
    elif kind.startswith("[") and kind.endswith("]"):
        if not isinstance(value, list):
            raise NotAnActivity(f"{where} is a {_kind(value)}, not an array")
        for index, item in enumerate(value):
            if item is not None:
                _check_value(item, kind[1:-1], f"{where}[{index}]")
    elif (model := _model(kind)) is not None:
        if not isinstance(value, dict):
            raise NotAnActivity(f"{where} is a {_kind(value)}, not an object")
        _check(value, model, f"{where}.")
