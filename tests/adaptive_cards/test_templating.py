"""The templating subset: what it expands, and that anything else fails loudly instead of reaching a card."""

from __future__ import annotations

import pytest

from adaptive_cards import render
from adaptive_cards.errors import TemplateError
from adaptive_cards.templating import expand, template_names


def test_whole_expression_keeps_the_type_and_interpolation_makes_text() -> None:
    template = {"a": "${n}", "b": "${flag}", "c": "${obj}", "d": "Fråga ${n}: ${name}", "e": "${x.y[1]}"}
    data = {"n": 3, "flag": False, "obj": {"k": [1]}, "name": "Hot", "x": {"y": ["p", "q"]}}
    assert expand(template, data) == {"a": 3, "b": False, "c": {"k": [1]}, "d": "Fråga 3: Hot", "e": "q"}


def test_none_drops_the_property_and_the_element() -> None:
    template = {"value": "${v}", "items": ["${v}", "kept"]}
    assert expand(template, {"v": None}) == {"items": ["kept"]}


def test_data_repeats_over_a_list_with_index_root_and_data() -> None:
    template = {"items": [{"$data": "${rows}", "text": "${$index}:${$data.t} (${$root.suffix})"}]}
    out = expand(template, {"rows": [{"t": "a"}, {"t": "b"}], "suffix": "s"})
    assert out == {"items": [{"text": "0:a (s)"}, {"text": "1:b (s)"}]}


def test_data_bound_to_an_object_scopes_and_to_null_drops() -> None:
    template = {"body": [{"$data": "${one}", "id": "${id}"}, {"$data": "${none}", "id": "x"}]}
    assert expand(template, {"one": {"id": "q1"}, "none": None}) == {"body": [{"id": "q1"}]}
    assert expand({"card": {"$data": "${none}", "id": "x"}, "k": 1}, {"none": None}) == {"k": 1}


@pytest.mark.parametrize(
    ("when", "kept"),
    [
        ("${flag}", True),
        ("${!flag}", False),
        ("${empty}", False),
        ("${kind == 'a'}", True),
        ("${kind != 'a'}", False),
        ("${n == 2}", True),
        ("${nothing == null}", True),
        ("${flag == true}", True),
    ],
)
def test_when(when: str, kept: bool) -> None:
    data = {"flag": True, "empty": "", "kind": "a", "n": 2, "nothing": None}
    out = expand({"items": [{"$when": when, "x": 1}]}, data)
    assert out == {"items": [{"x": 1}] if kept else []}


def test_when_is_evaluated_per_repeated_item() -> None:
    template = [{"$data": "${rows}", "$when": "${show}", "v": "${v}"}]
    rows = [{"show": True, "v": 1}, {"show": False, "v": 2}]
    assert expand(template, {"rows": rows}) == [{"v": 1}]


def test_values_are_never_expanded_again() -> None:
    reporter_text = "${secret} och ${__import__('os')}"
    assert expand({"t": "${text}"}, {"text": reporter_text, "secret": "x"}) == {"t": reporter_text}


def test_output_shares_nothing_with_the_data() -> None:
    data = {"obj": {"k": [1]}}
    out = expand({"a": "${obj}"}, data)
    out["a"]["k"].append(2)
    assert data == {"obj": {"k": [1]}}


@pytest.mark.parametrize(
    ("template", "data"),
    [
        ({"a": "${missing}"}, {}),
        ({"a": "${x.missing}"}, {"x": {}}),
        ({"a": "${x[3]}"}, {"x": [1]}),
        ({"a": "${__import__('os').system('true')}"}, {}),
        ({"a": "${1 + 1}"}, {}),
        ({"a": "${$index}"}, {}),
        ({"a": "n = ${obj}"}, {"obj": {}}),
        ({"a": "n = ${flag}"}, {"flag": True}),
        ([{"$when": "flag", "x": 1}], {"flag": True}),
        ([{"$when": "${a or b}", "x": 1}], {"a": 1}),
        ([{"$data": "${n}", "x": 1}], {"n": 3}),
        ({"a": {"$data": "${rows}"}}, {"rows": [1, 2]}),
        ({"$when": "${flag}"}, {"flag": False}),
    ],
)
def test_anything_outside_the_subset_raises(template: object, data: dict[str, object]) -> None:
    with pytest.raises(TemplateError):
        expand(template, data)


@pytest.mark.parametrize("name", ["../questionnaire", "report.json", "Report", "", "nope"])
def test_only_shipped_templates_render(name: str) -> None:
    with pytest.raises(TemplateError):
        render(name, {})


def test_the_templates_ship_as_package_data() -> None:
    assert template_names() == (
        "closed", "decision", "decision_followup", "decision_form", "digest_detail", "digest_summary",
        "escalation", "feedback", "notice", "priority_form", "receipt", "report", "unavailable",
    )  # fmt: skip
