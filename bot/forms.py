"""Form handling shared by every platform: basic field checks, and asking a form field by field.

Slack and Teams show a whole form at once (a modal, an Adaptive Card). The console cannot, so the core
walks the same form one field at a time as a small dialog, then submits it through the very same path,
so validation is written once, in the handler.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from bot.ids import parse_id
from bot.types import Form, FormField, form_from_dict

FORM_DIALOG = "__form__"
SKIP_WORDS = {"skip", "-", "none", "n/a", "na", "no"}
KEEP_WORDS = {"keep", "same", "ok"}


def basic_errors(form: Form, values: dict[str, str], *, only: set[str] | None = None) -> dict[str, str]:
    """Checks any platform can do before the handler sees the values: required, length, numbers."""
    errors: dict[str, str] = {}
    for f in form.fields:
        if only is not None and f.name not in only:
            continue
        value = (values.get(f.name) or "").strip()
        if not value:
            if f.required:
                errors[f.name] = "required"
            continue
        if f.max_length and len(value) > f.max_length:
            errors[f.name] = f"too_long:{f.max_length}"
        if f.kind == "number":
            try:
                number = float(value)
            except ValueError:
                errors[f.name] = "not_a_number"
            else:
                if number != number or number < 0:  # NaN, or below nothing
                    errors[f.name] = "negative"
        if f.kind == "choice" and f.options and not f.options_source:
            if value not in {o.value for o in f.options}:
                errors[f.name] = "not_a_choice"
    return errors


def coerce_answer(f: FormField, text: str) -> str:
    """Turn a typed answer into the value a modal would have sent (numbers and labels pick options)."""
    text = text.strip()
    if text.lower() == "skip" or (not f.required and text.lower() in SKIP_WORDS):
        return ""  # on a required field this becomes "I need an answer", not the word "skip"
    if f.initial and text.lower() in KEEP_WORDS:
        return f.initial
    if f.kind == "number":  # "1.5 hours", "2 hrs": the number is what was meant
        return re.sub(r"\s*(hours?|hrs?|h)\.?$", "", text, flags=re.I)
    if f.kind in ("choice", "multi_choice") and f.options:
        picked = []
        parts = [p.strip() for p in re.split(r"[,;]", text)] if f.kind == "multi_choice" else [text]
        for part in parts:
            option = _pick_option(f, part)
            picked.append(option if option is not None else part)
        return ",".join(picked)
    return text


def _pick_option(f: FormField, text: str) -> str | None:
    lowered = text.lower()
    number = parse_id(lowered)
    if number is not None and number <= len(f.options):
        return f.options[number - 1].value
    for option in f.options:
        if lowered in (option.value.lower(), option.label.lower()):
            return option.value
    return None


def is_option(f: FormField, text: str) -> bool:
    """Whether typed text picks one of the field's own options (so it is an answer, not a command)."""
    return bool(f.options) and _pick_option(f, text.strip()) is not None


def start_state(form: Form) -> dict[str, Any]:
    return {"form": asdict(form), "values": {}, "index": 0}


def state_form(data: dict[str, Any]) -> Form:
    return form_from_dict(data["form"])


def current_field(data: dict[str, Any]) -> FormField:
    form = state_form(data)
    return form.fields[data["index"]]


def normalise(text: str) -> str:
    return re.sub(r"[^a-z ]", "", text.strip().lower()).strip()
