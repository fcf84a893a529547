"""Similarity of short Swedish texts: stemmed TF-IDF vectors and their cosine.

Why this and not edit distance (rapidfuzz): reporters from different agencies describe
the same event in different words and inflections ("klotter vid Brunnsparken", "mycket
klottrat i Brunnsparkens lekpark"). The Swedish Snowball stemmer folds inflections
("brunnsparkens" → "brunnspark", "ungdomarna" → "ungdom"); inverse document frequency
makes rare content words (a place, "moped", "eldade") count and common ones ("ungdomar",
"kvällar") count little; function words are dropped. Edit-distance ratios compare
characters, so they reward the same phrasing and punish the same fact told differently,
and they cannot be indexed. Vectors can: recurrence looks a text up against a year of
earlier observations through an inverted index instead of comparing every pair.

A stem also yields a prefix feature (its first five letters, at half weight) so that
forms the stemmer leaves apart still meet ("klotter", "klottret", "klottrat").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

import snowballstemmer  # type: ignore[import-untyped]

Vector = dict[str, float]

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_STEMMER = snowballstemmer.stemmer("swedish")
PREFIX = 5
PREFIX_WEIGHT = 0.5

# Swedish function words (after the Snowball project's list) plus words every report uses.
_STOPWORDS = """
    alla allt att av blev bli blir blivit de dem den denna deras dess dessa det detta dig din
    dina ditt du där då efter ej eller en er era ert ett från för ha hade han hans har henne
    hennes hon honom hur här i icke ingen inom inte jag ju kan kunde man med mellan men mig
    min mina mitt mot mycket ni nu när någon något några och om oss på samma sedan sig sin
    sina sitta själv skulle som så sådan sådana sådant till under upp ut utan vad var vara
    varför varit varje vars vart vem vi vid vilka vilkas vilken vilket vår våra vårt än är
    åt över även också bara mer mest flera fler många lite ganska väldigt mm osv t ex bl a
    ser sett setts märkt märks noterat noterats uppmärksammat uppmärksammats rapporterat
    rapporteras rapporterats förekommit förekommer fått får kommit kommer finns fanns
    gäller gällande ang angående samt även enligt via kring runt framför allt fortfarande
    igen åter periodens perioden period veckan veckor vecka senaste sista tidigare
"""
STOPWORDS = frozenset(_STOPWORDS.split())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    stemmed: str = _STEMMER.stemWord(word)
    return stemmed


def words(text: str) -> list[str]:
    """The text's words in lower case, numbers and punctuation dropped."""
    return [w for w in _WORD.findall(text.lower()) if len(w) > 1]


@lru_cache(maxsize=65536)
def _features(word: str) -> tuple[tuple[str, float], ...]:
    stemmed = stem(word)
    if len(stemmed) > PREFIX:
        return ((stemmed, 1.0), ("^" + stemmed[:PREFIX], PREFIX_WEIGHT))
    return ((stemmed, 1.0),)


def term_counts(text: str, extra: Iterable[str] = (), extra_weight: float = 2.0) -> dict[str, float]:
    """Stemmed content words (and their prefix features) with their counts; `extra` terms
    (places found in the text) are added with `extra_weight` each."""
    counts: dict[str, float] = {}
    for word in words(text):
        if word in STOPWORDS:
            continue
        for feature, weight in _features(word):
            counts[feature] = counts.get(feature, 0.0) + weight
    for term in extra:
        key = "@" + term.lower()
        counts[key] = counts.get(key, 0.0) + extra_weight
    return counts


class Idf:
    """Inverse document frequencies over a corpus: log((1 + N) / (1 + df)) + 1."""

    def __init__(self, documents: Iterable[Mapping[str, float]]) -> None:
        df: Counter[str] = Counter()
        n = 0
        for doc in documents:
            n += 1
            df.update(doc.keys())
        self.n = n
        self._df = df
        self._unseen = math.log(1 + n) + 1.0
        self._cache: dict[str, float] = {}

    def __call__(self, term: str) -> float:
        value = self._cache.get(term)
        if value is None:
            df = self._df.get(term)
            value = self._unseen if df is None else math.log((1 + self.n) / (1 + df)) + 1.0
            self._cache[term] = value
        return value

    def vector(self, counts: Mapping[str, float]) -> Vector:
        """The unit-length TF-IDF vector of a document's term counts (sublinear tf)."""
        vec = {t: (1.0 + math.log(c) if c >= 1 else c) * self(t) for t, c in counts.items()}
        return normalise(vec)


def normalise(vec: Mapping[str, float]) -> Vector:
    norm = math.sqrt(sum(v * v for v in vec.values()))
    if norm == 0:
        return {}
    return {t: v / norm for t, v in vec.items()}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine of two unit vectors (their dot product)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b[t] for t, v in a.items() if t in b)


def centroid(vectors: Iterable[Mapping[str, float]]) -> Vector:
    """The normalised sum of unit vectors."""
    total: dict[str, float] = {}
    for vec in vectors:
        for t, v in vec.items():
            total[t] = total.get(t, 0.0) + v
    return normalise(total)


class Index:
    """An inverted index of unit vectors for "which stored documents are similar to this one"."""

    def __init__(self) -> None:
        self._postings: dict[str, list[tuple[int, float]]] = {}
        self.size = 0

    def add(self, vec: Mapping[str, float]) -> int:
        doc = self.size
        self.size += 1
        for t, v in vec.items():
            self._postings.setdefault(t, []).append((doc, v))
        return doc

    def similar(self, vec: Mapping[str, float], threshold: float) -> dict[int, float]:
        """Documents whose cosine with `vec` is at least `threshold`."""
        scores: dict[int, float] = {}
        get = scores.get
        for t, v in vec.items():
            postings = self._postings.get(t)
            if postings is None:
                continue
            for doc, w in postings:
                scores[doc] = get(doc, 0.0) + v * w
        return {d: s for d, s in scores.items() if s >= threshold}
