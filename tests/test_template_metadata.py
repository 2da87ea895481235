"""Every shipped template declares when it is said and the values it is given, with an example of each,
and renders with those examples on every platform (issue 11, item 8)."""

from __future__ import annotations

import pytest

from bot.app import make_catalogue
from bot.catalogue import PLATFORMS, TemplateProblem

CATALOGUE = make_catalogue()
NAMES = CATALOGUE.names()


def test_every_template_is_declared_and_nothing_else_is():
    undeclared = [n for n in NAMES if CATALOGUE.info(n) is None]
    assert undeclared == []
    assert sorted(CATALOGUE._declared()) == NAMES  # no declaration of a template that is not shipped


@pytest.mark.parametrize("name", NAMES)
def test_examples_name_exactly_the_variables_used_and_render_everywhere(name):
    info = CATALOGUE.info(name)
    assert info is not None and info.said and len(info.said) <= 160 and "\n" not in info.said
    source = CATALOGUE.shipped_source(name)
    assert set(info.given) == CATALOGUE.used_variables(source)
    shown = CATALOGUE.trial(name, source)
    assert set(shown) == set(PLATFORMS) and all(shown[p] for p in PLATFORMS)


def test_templates_belong_to_a_capability():
    assert CATALOGUE.capability("evidence.saved") == "Log competence evidence and withdraw it; the competence framework"
    assert CATALOGUE.capability("core.cancelled") == "Core and chat platforms"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("Hello {{ name }}.", "it uses {{ name }}, which this response is not given (it is given no values"),
        ("{{ ''.__class__.__mro__ }}", "it tries something responses may not do"),
        ("{% if %}", "line 1"),
    ],
)
def test_an_edit_that_cannot_work_is_refused_with_the_reason(source, reason):
    with pytest.raises(TemplateProblem) as refused:
        CATALOGUE.trial("core.cancelled", source)
    assert reason in str(refused.value)


def test_an_edit_asking_for_a_missing_attribute_is_refused():
    with pytest.raises(TemplateProblem, match="does not have"):
        CATALOGUE.trial("evidence.saved", "Saved {{ number.colour }}")
    shown = CATALOGUE.trial("evidence.saved", "Saved *#{{ number }}*")
    assert shown["console"].startswith("Saved *#") and shown["slack"] == shown["console"]
