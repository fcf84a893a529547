"""Card templates: JSON files in the Adaptive Cards Templating language, expanded into plain dicts.

`render(name, data)` loads `adaptive_cards/templates/<name>.json` (package data, read once)
and expands it against `data`. Only the small, safe subset of the templating language that
the cards need is implemented, parsed by a tiny grammar and never evaluated as code:

- `"${path}"` as a whole string is replaced by the value itself (string, number, bool,
  list or dict); a value of None drops the property, or the element from its array.
- `"text ${path} text"` interpolates strings and numbers into a string.
- `"$data": "${path}"` on an object: a list repeats the object once per item (only inside an
  array), a dict becomes the object's data, null drops the object. Inside, `$root` is the data given to `render`,
  `$data` the current item and `$index` its position.
- `"$when": "${expr}"` keeps the object only if `expr` holds: `path`, `!path` (Python
  truthiness), `path == literal` or `path != literal`, with a literal 'string', number,
  true, false or null.

A path is `name`, `$root`, `$data` or `$index`, followed by `.name` or `[0]` steps. A path
that does not resolve, an unknown template and any other expression raise `TemplateError`,
so a typo fails a test instead of reaching a reporter. Values are never re-expanded: a
reporter's text containing `${…}` stays text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from adaptive_cards.errors import TemplateError

_EXPRESSION = re.compile(r"\$\{([^{}]*)\}")
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")
_HEAD = re.compile(r"\$root|\$data|\$index|[A-Za-z_][A-Za-z0-9_]*")
_COMPARISON = re.compile(r"^(?P<left>[^=!]+?)\s*(?P<op>==|!=)\s*(?P<right>.+)$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_DROP = object()


@dataclass(frozen=True, slots=True)
class _Scope:
    data: Any
    root: Any
    index: int | None = None


def _lookup(path: str, scope: _Scope) -> Any:
    path = path.strip()
    head = _HEAD.match(path)
    if head is None:
        raise TemplateError(f"not a path: {path!r}")
    name = head.group(0)
    if name == "$root":
        value = scope.root
    elif name == "$data":
        value = scope.data
    elif name == "$index":
        if scope.index is None:
            raise TemplateError("$index used outside a repeated element")
        value = scope.index
    else:
        value = _step(scope.data, name, path)
    position = head.end()
    while position < len(path):
        step = _STEP.match(path, position)
        if step is None:
            raise TemplateError(f"not a path: {path!r}")
        key, index = step.groups()
        value = _step(value, key, path) if key is not None else _item(value, int(index), path)
        position = step.end()
    return value


def _step(value: Any, key: str, path: str) -> Any:
    if not isinstance(value, Mapping) or key not in value:
        raise TemplateError(f"{path!r}: no {key!r} in the data")
    return value[key]


def _item(value: Any, index: int, path: str) -> Any:
    if not isinstance(value, list) or index >= len(value):
        raise TemplateError(f"{path!r}: no item {index}")
    return value[index]


def _literal(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    if text in ("true", "false", "null"):
        return {"true": True, "false": False, "null": None}[text]
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise TemplateError(f"not a literal: {text!r}") from None


def _condition(expression: str, scope: _Scope) -> bool:
    expression = expression.strip()
    comparison = _COMPARISON.match(expression)
    if comparison is not None:
        left = _lookup(comparison["left"], scope)
        right = _literal(comparison["right"])
        return bool(left == right) if comparison["op"] == "==" else bool(left != right)
    if expression.startswith("!"):
        return not _lookup(expression[1:], scope)
    return bool(_lookup(expression, scope))


def _only_expression(text: str) -> str | None:
    match = _EXPRESSION.fullmatch(text)
    return match.group(1) if match else None


def _string(text: str, scope: _Scope) -> Any:
    whole = _only_expression(text)
    if whole is not None:
        value = _lookup(whole, scope)
        return _DROP if value is None else value

    def substitute(match: re.Match[str]) -> str:
        value = _lookup(match.group(1), scope)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise TemplateError(f"${{{match.group(1)}}} is {type(value).__name__}, not text, inside {text!r}")
        return str(value)

    return _EXPRESSION.sub(substitute, text)


def _directive(obj: Mapping[str, Any], key: str) -> str | None:
    if key not in obj:
        return None
    expression = obj[key]
    inner = _only_expression(expression) if isinstance(expression, str) else None
    if inner is None:
        raise TemplateError(f"{key} must be one ${{…}} expression, got {expression!r}")
    return inner


def _object(obj: Mapping[str, Any], scope: _Scope) -> Any:
    """An object without `$data`: checked against `$when`, then expanded."""
    when = _directive(obj, "$when")
    if when is not None and not _condition(when, scope):
        return _DROP
    result: dict[str, Any] = {}
    for key, value in obj.items():
        if key in ("$data", "$when"):
            continue
        expanded = _expand(value, scope)
        if expanded is not _DROP:
            result[key] = expanded
    return result


def _element(obj: Mapping[str, Any], scope: _Scope) -> list[Any]:
    """An object in an array: zero, one or (with `$data` bound to a list) many results."""
    source = _directive(obj, "$data")
    if source is None:
        one = _object(obj, scope)
        return [] if one is _DROP else [one]
    value = _lookup(source, scope)
    if value is None:
        return []
    if isinstance(value, list):
        items = [_object(obj, _Scope(item, scope.root, index)) for index, item in enumerate(value)]
        return [item for item in items if item is not _DROP]
    if isinstance(value, Mapping):
        one = _object(obj, _Scope(value, scope.root))
        return [] if one is _DROP else [one]
    raise TemplateError(f"$data {source!r} is {type(value).__name__}, not a list, an object or null")


def _expand(node: Any, scope: _Scope) -> Any:
    if isinstance(node, str):
        return _string(node, scope)
    if isinstance(node, list):
        out: list[Any] = []
        for item in node:
            if isinstance(item, Mapping):
                out.extend(_element(item, scope))
            else:
                expanded = _expand(item, scope)
                if expanded is not _DROP:
                    out.append(expanded)
        return out
    if isinstance(node, Mapping):
        source = _directive(node, "$data")
        if source is None:
            return _object(node, scope)
        value = _lookup(source, scope)
        if value is None:
            return _DROP
        if not isinstance(value, Mapping):
            raise TemplateError(f"$data {source!r} outside an array must be an object or null")
        return _object(node, _Scope(value, scope.root))
    return node


def expand(template: Any, data: Mapping[str, Any]) -> Any:
    """`template` expanded against `data`: new plain dicts and lists, sharing nothing with either."""
    result = _expand(template, _Scope(data, data))
    if result is _DROP:
        raise TemplateError("the template's root was dropped by $when")
    return json.loads(json.dumps(result))


@cache
def _template_text(name: str) -> str:
    if not _NAME.match(name):
        raise TemplateError(f"not a template name: {name!r}")
    resource = resources.files("adaptive_cards.templates").joinpath(f"{name}.json")
    if not resource.is_file():
        raise TemplateError(f"no template {name!r}")
    return resource.read_text("utf-8")


def template_names() -> tuple[str, ...]:
    """The names of the shipped templates, sorted."""
    folder = resources.files("adaptive_cards.templates")
    return tuple(sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")))


def render(name: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The template `name` expanded with `data`, as a plain dict ready to be sent as JSON."""
    card = expand(json.loads(_template_text(name)), data)
    if not isinstance(card, dict):
        raise TemplateError(f"template {name!r} did not produce an object")
    return card
