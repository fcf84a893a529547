"""One cycle's observations on a question, grouped so that the same place or event
reported by several agencies appears once, with all its sources.

An answer is split into observations at its lines and bullets (a line that starts in
lower case after one without a full stop continues it). Each observation becomes a
stemmed TF-IDF vector (`text`), with the places found in it (and in the answer's
places-and-times field) added as strong terms. Observations are taken in order:

1. the same place: an observation that names a place joins the group whose first place
   (its anchor) is one of the observation's places — reports about Brunnsparken from
   three agencies are one item with three sources;
2. the same event: otherwise it joins the group whose centroid is most similar, if that
   cosine is at least `GROUP_THRESHOLD`;
3. otherwise it starts a group (anchored at its first place, if it names one).

The group's summary is its most central observation in the reporter's own words,
followed by those that tell something else (see `Group.summary`); all masked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from reporting.digest.text import Idf, Vector, centroid, cosine, normalise, term_counts

# Cosine similarity (0–1) at or above which two observations are the same place or event.
GROUP_THRESHOLD = 0.30
PLACE_WEIGHT = 2.0
# Within a group, an observation whose words (places left out) are less similar than this
# to every text already in the summary adds something, and is added to it.
DISTINCT_THRESHOLD = 0.35

_BULLET = re.compile(r"^\s*(?:[-–—•*·▪►]+|\d{1,2}[.)]|[a-z][)])\s+")
_ENDS_SENTENCE = re.compile(r"[.!?:;]\s*$")


def split_observations(text: str) -> list[str]:
    """The separate observations in an answer: its bullets and lines."""
    parts: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        bullet = _BULLET.match(raw)
        body = _BULLET.sub("", raw, count=1).strip() if bullet else line
        if not body:
            continue
        continues = parts and not bullet and body[0].islower() and not _ENDS_SENTENCE.search(parts[-1])
        if continues:
            parts[-1] = f"{parts[-1]} {body}"
        else:
            parts.append(body)
    return parts


@dataclass(frozen=True, slots=True)
class Observation:
    """One observation from one report: masked text, where it came from, places and times."""

    text: str
    source: int  # the submission it came from: reports, not lines, are counted as sources
    agency: str
    places: tuple[str, ...] = ()
    times: tuple[str, ...] = ()

    def counts(self) -> dict[str, float]:
        return term_counts(self.text, self.places, PLACE_WEIGHT)


@dataclass(slots=True)
class Group:
    observations: list[Observation]
    vectors: list[Vector]
    vector: Vector = field(default_factory=dict)
    anchor: str | None = None

    @property
    def summary(self) -> str:
        """The most central observation, then each other one that tells something else
        (its words, places left out, are less than `DISTINCT_THRESHOLD` like every text
        already taken), joined by " — ". Near-duplicates are told once."""
        if len(self.observations) == 1:
            return self.observations[0].text
        order = sorted(
            range(len(self.observations)), key=lambda i: (-cosine(self.vectors[i], self.vector), i)
        )
        words = [_content(v) for v in self.vectors]
        taken = [order[0]]
        for i in order[1:]:
            if self.observations[i].text != self.observations[taken[0]].text and all(
                cosine(words[i], words[j]) < DISTINCT_THRESHOLD for j in taken
            ):
                taken.append(i)
        return " — ".join(self.observations[i].text.rstrip(" .") if n < len(taken) - 1 else
                          self.observations[i].text for n, i in enumerate(taken))  # fmt: skip

    @property
    def sources(self) -> int:
        return len({o.source for o in self.observations})

    @property
    def agencies(self) -> list[str]:
        return sorted({o.agency for o in self.observations if o.agency})

    @property
    def places(self) -> list[str]:
        return list(dict.fromkeys(p for o in self.observations for p in o.places))

    @property
    def times(self) -> list[str]:
        return list(dict.fromkeys(t for o in self.observations for t in o.times))

    @property
    def source_ids(self) -> list[int]:
        return sorted({o.source for o in self.observations})


def _content(vec: Vector) -> Vector:
    return normalise({t: v for t, v in vec.items() if not t.startswith("@")})


def group_observations(
    observations: Sequence[Observation], idf: Idf, threshold: float = GROUP_THRESHOLD
) -> list[Group]:
    """Greedy grouping in the given order (deterministic): join the most similar group."""
    groups: list[Group] = []
    anchors: dict[str, Group] = {}
    for obs in observations:
        vec = idf.vector(obs.counts())
        best = next((anchors[p.casefold()] for p in obs.places if p.casefold() in anchors), None)
        best_score = threshold
        if best is None:
            for group in groups:
                score = cosine(vec, group.vector)
                if score >= best_score:
                    best, best_score = group, score
        if best is None:
            best = Group([obs], [vec], dict(vec))
            groups.append(best)
        else:
            best.observations.append(obs)
            best.vectors.append(vec)
            best.vector = centroid(best.vectors)
        if best.anchor is None and obs.places and obs.places[0].casefold() not in anchors:
            best.anchor = obs.places[0].casefold()
            anchors[best.anchor] = best
    return groups
