"""Themes: the labelled-sample acceptance test on Pol.is comments, labels, representatives,
invariants and degenerate input."""

from __future__ import annotations

import importlib
import itertools
from collections import Counter
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seedbed.text import codes, themes
from seedbed.text.labels import class_tfidf_labels
from seedbed.text.types import ThemesResult

# The labelled sample: groups of comment ids that are clearly about one topic, chosen by
# reading the comments (before running the engine). Groups are deliberately narrow topics,
# several inside one broad subject, so "all in one theme" is not enough to pass.
LABELLED = {
    "scoop-hivemind.biodiversity": {
        "1080 and other poisons for pest control": ["79", "198", "213", "215", "218", "220", "221"],
        "domestic cats": ["245", "253", "305"],
        "hunting and game animals": ["280", "281", "282", "284", "292"],
        "lawns and gardens": ["262", "270", "289"],
        "respondent's age": ["0", "1", "2"],
        "where the respondent lives": ["5", "8", "9", "10"],
        "Maori partnership and governance": ["35", "36", "37"],
        "water rights and management": ["107", "108", "123", "124"],
    },
    "canadian-electoral-reform": {
        "online voting and its security": ["18", "23", "26", "30", "48", "58", "70", "123"],
        "strategic voting": ["118", "130", "133", "134", "135"],
        "seats should follow the popular vote": ["21", "28"],
        "citizens' assembly": ["94", "96", "97", "99"],
        "the questions are too vague": ["84", "85", "86", "87", "88"],
        "disability": ["3", "112", "113"],
        "researching local candidates": ["103", "106", "108"],
        "a voting holiday": ["8", "155"],
        "parties merging": ["132", "136", "153"],
        "negative campaigning": ["169", "170"],
        "my vote is wasted": ["10", "32", "139"],
    },
}
# Thresholds fixed before the first run. Pair recall: share of same-topic pairs put in one
# theme. Pair mixing: share of pairs from two different labelled topics put in one theme.
# History, for honesty: with sentence embeddings alone (Ward, k = ceil(sqrt(n))) the
# biodiversity sample passed (recall 0.69, mixing 0.007) but the electoral-reform sample
# failed (recall 0.55, mixing 0.087). The engine then joined the TF-IDF/LSA vectors to the
# embeddings at equal weight (themes.LEXICAL_WEIGHT = 0.5; 0.2-0.65 all pass the recall
# bar on both samples); thresholds and groups were not changed. Seen since:
# biodiversity recall 0.65 / mixing 0.011, electoral reform 0.74 / 0.037. A randomized LSA of
# our own then gave 0.58 on biodiversity (a fail, not accepted); the LSA is now exact for
# sets up to 2,000 texts (seedbed.text.lsa): 0.73 / 0.007 and 0.80 / 0.038.
MIN_PAIR_RECALL = 0.6
MAX_PAIR_MIXING = 0.05
MIN_DISTINCT_SHARE = 0.75  # of the topics' majority themes that must differ


def _theme_of(result: ThemesResult) -> dict[str, int]:
    return {m: n for n, theme in enumerate(result.themes) for m in theme.member_ids}


def _scores(result: ThemesResult, groups: dict[str, list[str]]) -> tuple[float, float, float]:
    where = _theme_of(result)

    def together(a: str, b: str) -> bool:
        return a in where and b in where and where[a] == where[b]

    same = [together(a, b) for g in groups.values() for a, b in itertools.combinations(g, 2)]
    mixed = [
        together(a, b) for g, h in itertools.combinations(groups.values(), 2) for a in g for b in h
    ]
    majority = [Counter(where.get(m, -1 - i) for i, m in enumerate(g)).most_common(1)[0][0]
                for g in groups.values()]  # fmt: skip
    return float(np.mean(same)), float(np.mean(mixed)), len(set(majority)) / len(groups)


@pytest.mark.slow
@pytest.mark.parametrize("conversation", sorted(LABELLED))
def test_statements_about_the_same_topic_land_together(
    minilm: None, polis_conversation: Callable[[str], dict[str, str]], conversation: str
) -> None:
    comments = polis_conversation(conversation)
    result = themes(texts=list(comments.values()), ids=list(comments), backend="minilm")
    recall, mixing, distinct = _scores(result, LABELLED[conversation])
    assert recall >= MIN_PAIR_RECALL, (recall, mixing, distinct)
    assert mixing <= MAX_PAIR_MIXING, (recall, mixing, distinct)
    assert distinct >= MIN_DISTINCT_SHARE, (recall, mixing, distinct)
    # Every theme is labelled, and its representative is one of its members.
    assert result.themes
    for theme in result.themes:
        assert theme.label_words and theme.representative_id in theme.member_ids


def test_class_tfidf_labels_match_a_hand_computation() -> None:
    """W(t, c) = tf(t, c) * ln(1 + A / f(t)) on a three-text, two-class example."""
    texts = ["potholes potholes road", "potholes lighting", "buses late"]
    labels = class_tfidf_labels(texts=texts, classes=[0, 0, 1], n_words=5)
    # Class 0: potholes 3, road 1, lighting 1 (5 terms); class 1: buses 1, late 1 (2 terms).
    # A = 7 / 2; f: potholes 3, road 1, lighting 1, buses 1, late 1.
    a = 7 / 2
    w = {
        "potholes": 3 / 5 * np.log(1 + a / 3),
        "road": 1 / 5 * np.log(1 + a),
        "lighting": 1 / 5 * np.log(1 + a),
    }
    expected = sorted(w, key=lambda t: (-w[t], t))
    assert labels[0] == tuple(expected) and labels[1] == ("buses", "late")
    assert w["potholes"] > w["road"]  # the example does rank by weight, not alphabet


def test_representative_is_the_member_closest_to_the_centroid() -> None:
    texts = ["Potholes on Mill Lane", "Potholes on Mill Lane and Elm Road", "Potholes again",
             "Late buses to the hospital", "Buses to the hospital are late", "Late buses"]  # fmt: skip
    result = themes(texts=texts, ids=list("abcdef"), min_size=2, backend="tfidf", n_clusters=2)
    assert sorted(t.member_ids for t in result.themes) == [("a", "b", "c"), ("d", "e", "f")]
    from seedbed.text.tfidf import TfidfEmbedder
    from seedbed.text.themes import _lexical_points

    points = _lexical_points(TfidfEmbedder().fitted(texts).encode(texts), 0)
    for theme in result.themes:
        rows = ["abcdef".index(m) for m in theme.member_ids]
        centroid = points[rows].mean(axis=0)
        best = theme.member_ids[int(np.argmax(points[rows] @ centroid))]
        assert theme.representative_id == best


WORDS = ["road", "bus", "park", "bins", "lights", "school", "library", "trees", "noise"]


@settings(max_examples=40, deadline=None)
@given(
    texts=st.lists(
        st.lists(st.sampled_from(WORDS), min_size=0, max_size=5).map(" ".join),
        min_size=0,
        max_size=25,
    ),
    min_size=st.integers(1, 4),
)
def test_themes_partition_the_input(texts: list[str], min_size: int) -> None:
    ids = [f"t{i}" for i in range(len(texts))]
    result = themes(texts=texts, ids=ids, min_size=min_size, backend="tfidf")
    members = [m for t in result.themes for m in t.member_ids]
    assert sorted(members + list(result.unassigned_ids)) == sorted(ids)
    assert len(set(members)) == len(members)
    for theme in result.themes:
        assert theme.size == len(theme.member_ids) >= min_size
        assert theme.representative_id in theme.member_ids
    assert [t.size for t in result.themes] == sorted((t.size for t in result.themes), reverse=True)


def test_degenerate_inputs_give_warnings(backend: str) -> None:
    empty = themes(texts=[], ids=[], backend=backend)
    assert empty.themes == () and codes.EMPTY_CORPUS in empty.warnings
    blank = themes(texts=["", "  "], ids=["a", "b"], backend=backend)
    assert codes.EMPTY_TEXTS_SKIPPED in blank.warnings and blank.unassigned_ids == ("a", "b")
    one = themes(texts=["Potholes on Mill Lane"], ids=["a"], min_size=1, backend=backend)
    assert codes.SINGLE_TEXT in one.warnings and one.themes[0].member_ids == ("a",)
    same = themes(texts=["Fix the road"] * 4, ids=list("abcd"), min_size=2, backend=backend)
    assert codes.IDENTICAL_TEXTS in same.warnings
    assert len(same.themes) == 1 and same.themes[0].size == 4
    assert same.themes[0].label_words == ("fix", "road")
    none = themes(texts=["Potholes", "Buses", "Parks"], ids=list("abc"), min_size=3,
                  backend=backend, n_clusters=3)  # fmt: skip
    assert codes.NO_THEMES in none.warnings and len(none.unassigned_ids) == 3
    words = themes(texts=["the and of", "it is the", "of the and"], ids=list("abc"),
                   min_size=1, backend=backend, n_clusters=1)  # fmt: skip
    assert codes.NO_LABEL_WORDS in words.warnings
    with pytest.raises(ValueError, match="min_size"):
        themes(texts=["x"], ids=["a"], min_size=0, backend=backend)


def test_precomputed_embeddings_give_the_same_themes(minilm: None) -> None:
    """Vectors from the bulk theme encoder, given in, give exactly the themes it computes."""
    from seedbed.text.backends import MiniLMEmbedder, themes_precision

    texts = ["Potholes on Mill Lane", "Mill Lane potholes again", "", "Late buses",
             "The bus is always late", "Broken street lights", "Street lights out"]  # fmt: skip
    ids = list("abcdefg")
    vectors = MiniLMEmbedder(precision=themes_precision()).encode(texts)
    direct = themes(texts=texts, ids=ids, min_size=2, backend="minilm", n_clusters=3)
    given_vectors = themes(
        texts=texts, ids=ids, min_size=2, backend="minilm", n_clusters=3, embeddings=vectors
    )
    assert direct == given_vectors and len(direct.themes) == 3
    with pytest.raises(ValueError, match="vector rows"):
        themes(texts=texts, ids=ids, backend="minilm", embeddings=vectors[:2])


def test_large_sets_use_k_means_and_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    # The module, not the function of the same name that seedbed.text exports.
    themes_module = importlib.import_module("seedbed.text.themes")
    monkeypatch.setattr(themes_module, "EXACT_LIMIT", 10)
    texts = [f"potholes on road {w}" for w in WORDS] + [f"late bus number {w}" for w in WORDS]
    result = themes(texts=texts, ids=[str(i) for i in range(len(texts))], min_size=2,
                    backend="tfidf", n_clusters=2)  # fmt: skip
    assert codes.THEMES_APPROXIMATE in result.warnings
    assert sorted(t.size for t in result.themes) == [9, 9]
    assert {t.label_words[0] for t in result.themes} <= {"potholes", "road", "late", "bus"}
