"""Questionnaires: the seven report questions of a template, as data.

The presets under `reporting/presets/` are the municipal templates (Bilaga 1 Fagersta,
Bilaga 2 Ludvika) word for word; a group stores its own versioned copy, so a later
edit of a preset never changes what an earlier cycle asked.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from reporting.model import Schedule

LOCALES = ("sv", "en")
PRESET_NAMES = ("est-fagersta", "fas-ludvika")


class UnknownPreset(ValueError):
    """The named questionnaire preset does not exist."""


@dataclass(frozen=True, slots=True)
class Text:
    """A text in Swedish (always present) and English."""

    sv: str
    en: str = ""

    def get(self, locale: str = "sv") -> str:
        return (self.en if locale == "en" else self.sv) or self.sv

    @classmethod
    def of(cls, raw: dict[str, str]) -> Text:
        return cls(sv=raw["sv"], en=raw.get("en", ""))


@dataclass(frozen=True, slots=True)
class Question:
    number: str
    theme: Text
    text: Text
    observations: bool
    impact: bool
    places_times: bool

    def heading(self, locale: str = "sv") -> str:
        """The question as the template prints it: "Fråga 1, Tema: Text"."""
        word = "Fråga" if locale == "sv" else "Question"
        theme, text = self.theme.get(locale), self.text.get(locale)
        if text.startswith(theme):
            return f"{word} {self.number}, {text}"
        return f"{word} {self.number}, {theme}: {text}"


@dataclass(frozen=True, slots=True)
class ImpactScale:
    minimum: int
    maximum: int
    label: Text
    low: Text
    high: Text


@dataclass(frozen=True, slots=True)
class AssessmentLevel:
    level: str
    label: Text
    definition: Text


@dataclass(frozen=True, slots=True)
class Questionnaire:
    preset: str
    version: int
    title: Text
    intro: tuple[Text, ...]
    confidentiality: Text
    instruction: Text
    period_wording: Text
    comment_label: Text
    impact_scale: ImpactScale | None
    assessment_scale: tuple[AssessmentLevel, ...]
    default_schedule: Schedule
    monthly_compile: bool
    questions: tuple[Question, ...]
    raw: dict[str, Any]

    def question(self, number: str) -> Question:
        for q in self.questions:
            if q.number == number:
                return q
        raise KeyError(number)

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(q.number for q in self.questions)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Questionnaire:
        impact = raw.get("impact_scale")
        sched = raw["schedule"]
        return cls(
            preset=raw["preset"],
            version=int(raw["version"]),
            title=Text.of(raw["title"]),
            intro=tuple(Text.of(t) for t in raw["intro"]),
            confidentiality=Text.of(raw["confidentiality"]),
            instruction=Text.of(raw["instruction"]),
            period_wording=Text.of(raw["period_wording"]),
            comment_label=Text.of(raw["comment_label"]),
            impact_scale=None
            if impact is None
            else ImpactScale(
                minimum=int(impact["min"]),
                maximum=int(impact["max"]),
                label=Text.of(impact["label"]),
                low=Text.of(impact["low"]),
                high=Text.of(impact["high"]),
            ),
            assessment_scale=tuple(
                AssessmentLevel(a["level"], Text.of(a["label"]), Text.of(a["definition"]))
                for a in raw["assessment_scale"]
            ),
            default_schedule=Schedule(
                cadence_weeks=int(sched["cadence_weeks"]),
                open_weekday=int(sched["open"]["weekday"]),
                open_time=dt.time.fromisoformat(sched["open"]["time"]),
                deadline_weekday=int(sched["deadline"]["weekday"]),
                deadline_time=dt.time.fromisoformat(sched["deadline"]["time"]),
                meeting_weekday=int(sched["meeting"]["weekday"]),
                meeting_time=dt.time.fromisoformat(sched["meeting"]["time"]),
                reminder_hours=tuple(int(h) for h in sched["reminders_hours_before_deadline"]),
            ),
            monthly_compile=bool(raw.get("monthly_compile", False)),
            questions=tuple(
                Question(
                    number=str(q["number"]),
                    theme=Text.of(q["theme"]),
                    text=Text.of(q["text"]),
                    observations=bool(q["observations"]),
                    impact=bool(q["impact"]),
                    places_times=bool(q["places_times"]),
                )
                for q in raw["questions"]
            ),
            raw=raw,
        )


def preset_dict(name: str) -> dict[str, Any]:
    """The preset's JSON as shipped (a fresh copy)."""
    if name not in PRESET_NAMES:
        raise UnknownPreset(name)
    text = resources.files("reporting.presets").joinpath(f"{name}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def load_preset(name: str) -> Questionnaire:
    return Questionnaire.from_dict(preset_dict(name))
