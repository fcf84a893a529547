"""The suggested traffic light per question: a suggestion to the group, never its decision.

The rule is built on the words of the assessment scale (Bilaga 2):
Grönt "problembilden är liten", Gult "problembilden är återkommande",
Rött "problembilden är omfattande och återkommande".

- *återkommande* (recurring): at least one of the question's items was seen in an
  earlier cycle (its `recurring` is set);
- *omfattande* (extensive): the mean impact of at least `EXTENSIVE_MIN_SCORES` scored
  reports is at least `EXTENSIVE_MEAN`, or an impact of `EXTENSIVE_MAX` was given, or one
  item was reported in at least `EXTENSIVE_SOURCES` reports from at least two agencies;
- **red** when extensive and recurring; **yellow** when recurring, or extensive but seen
  for the first time (too large to call small, too new to call recurring); **green**
  otherwise, and when nothing was reported.

The reason names what the rule saw, so the group can disagree with it knowingly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reporting.digest.records import Level
from reporting.i18n import translator

_ = translator("digest")

EXTENSIVE_MEAN = 3.5
EXTENSIVE_MIN_SCORES = 2
EXTENSIVE_MAX = 5
EXTENSIVE_SOURCES = 3


@dataclass(frozen=True, slots=True)
class Suggestion:
    level: Level
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"level": self.level, "reason": self.reason}


def decimal(value: float, locale: str = "sv") -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if locale == "sv" else text


def suggest(
    *,
    observations: int,
    mean: float | None,
    max_impact: int | None,
    items: Sequence[Mapping[str, Any]],
    scores: int = 0,
    locale: str = "sv",
) -> Suggestion:
    """`items` as in the digest JSON (`sources`, `agencies`, `recurring`); `scores` is the
    number of reports that gave an impact score."""
    if observations == 0 and not items:
        return Suggestion("green", _("Inget rapporterat den här perioden.", locale))

    extensive: list[str] = []
    if mean is not None and mean >= EXTENSIVE_MEAN and scores >= EXTENSIVE_MIN_SCORES:
        extensive.append(_("medelpåverkan {mean}", locale, mean=decimal(mean, locale)))
    if max_impact is not None and max_impact >= EXTENSIVE_MAX:
        extensive.append(_("påverkan {max} i någon rapport", locale, max=max_impact))
    widest = max(items, key=lambda i: (int(i["sources"]), len(i["agencies"])), default=None)
    if widest is not None and widest["sources"] >= EXTENSIVE_SOURCES and len(widest["agencies"]) >= 2:
        extensive.append(
            _(
                "samma sak i {sources} rapporter från {agencies} verksamheter",
                locale,
                sources=widest["sources"],
                agencies=len(widest["agencies"]),
            )
        )

    recurring_items = [i for i in items if i.get("recurring")]
    recurring = ""
    if recurring_items:
        first = min(recurring_items, key=lambda i: int(i["recurring"]["first_seen_cycle"]))
        longest = max(int(i["recurring"]["cycles_seen"]) for i in recurring_items)
        recurring = _(
            "{n} av {total} iakttagelser sedda tidigare, som längst i {cycles} cykler sedan cykel {first}",
            locale,
            n=len(recurring_items),
            total=len(items),
            cycles=longest,
            first=first["recurring"]["first_seen_cycle"],
        )

    if extensive and recurring:
        reason = _(
            "Problembilden verkar omfattande ({extensive}) och återkommande ({recurring}).",
            locale,
            extensive="; ".join(extensive),
            recurring=recurring,
        )
        return Suggestion("red", reason)
    if recurring:
        return Suggestion(
            "yellow", _("Problembilden är återkommande ({recurring}).", locale, recurring=recurring)
        )
    if extensive:
        return Suggestion(
            "yellow",
            _(
                "Problembilden verkar omfattande ({extensive}) men har inte setts tidigare.",
                locale,
                extensive="; ".join(extensive),
            ),
        )
    parts = [_("{n} rapporter", locale, n=observations) if observations != 1 else _("1 rapport", locale)]
    if mean is not None:
        parts.append(_("medelpåverkan {mean}", locale, mean=decimal(mean, locale)))
    return Suggestion(
        "green",
        _(
            "Problembilden verkar liten ({details}) och inget har setts tidigare.",
            locale,
            details=", ".join(parts),
        ),
    )
