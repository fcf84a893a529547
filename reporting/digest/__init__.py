"""The coordinator's digest of a closed cycle: pure logic, no I/O.

- `text`: Swedish words to stemmed TF-IDF vectors and their cosine similarity;
- `places`: the municipality's place names and time expressions found in free text;
- `grouping`: one cycle's observations grouped so one place or event appears once;
- `trends`: impact mean, maximum, distribution, history and trend;
- `suggestion`: the suggested traffic light, by the rule written out there;
- `build`: the digest as DESIGN's JSON (`digest --format json`);
- `compiled`: the digest with the group's assessments laid over it;
- `assessment`: who may set an assessment, and reading one from a card;
- `month`: a month's digests compiled for the county.
"""

# Bumped whenever the digest JSON or its cards change shape: stored with every frozen digest.
TEMPLATE_VERSION = 1
