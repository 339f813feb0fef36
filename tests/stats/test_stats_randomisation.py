"""Allocations: reproducible from the seed, balanced within blocks and strata, concealed by hash."""

from __future__ import annotations

import hashlib
import re
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seedbed.stats.allocation import (
    WARN_UNEVEN_STEPS,
    allocation_sequence,
    balance_report,
    stepped_wedge_schedule,
)
from seedbed.stats.randomisation import (
    ERR_BLOCK_SIZES,
    WARN_FEW_CLUSTERS,
    WARN_STRATUM_VARIES_IN_CLUSTER,
    allocate_blocks,
    allocate_clusters,
    allocate_simple,
    commitment_hash,
    seed_generator,
)

# Allocation refuses seeds that cannot hold 128 bits, so every generated seed starts with 32
# random hex digits; the arbitrary text after them keeps separators and unicode in play.
seeds = st.builds(
    lambda head, tail: head + tail,
    st.binary(min_size=16, max_size=16).map(bytes.hex),
    st.text(max_size=20),
)
SEED_ONE = "3f9c2a7e51d84b06a1c7e9f20b4d6a85"
SEED_TWO = "c04e7b1a9d2f583e6a0c4b7d1e9f2a36"
SEED_K = "8a1d5e9c3b7f2046e8a1c5d9b3f70246"
SEED_R = "e27b4f8a0c6d1935b2e8f4a0c6d19357"
SEED_SIMPLE = "5d3a9f1c7e2b6084d5a3f9c1e7b20846"
SEED_S = "91f6c3a8e0d52b7491f6c3a8e0d52b74"
SEED_C = "0b8e4a2f6c1d9357a0b8e4c2f6d13579"
SEED_SCALE = "7c2e9a4f1b6d08357c2e9a4f1b6d0835"
arm_sets = st.sampled_from([("control", "treatment"), ("a", "b", "c"), ("x", "y", "z", "w")])


def test_generator_is_pcg64_seeded_by_sha256_of_the_seed() -> None:
    digest = hashlib.sha256(b"trial-42").digest()
    expected = np.random.PCG64(int.from_bytes(digest, "big")).random_raw(5)
    got = seed_generator("trial-42").bit_generator.random_raw(5)
    np.testing.assert_array_equal(got, expected)


def test_commitment_hash_is_sha256_of_seed_and_protocol() -> None:
    expected = hashlib.sha256(b"s3cret\nabc123").hexdigest()
    assert commitment_hash(seed="s3cret", protocol_hash="abc123") == expected
    assert commitment_hash(seed="s3cret", protocol_hash="abc124") != expected


@settings(max_examples=40, deadline=None)
@given(
    seed=seeds, arms=arm_sets, n=st.integers(1, 300), mult=st.sampled_from([(1, 2), (1,), (2, 3)])
)
def test_blocks_reproducible_and_balanced_within_complete_blocks(seed, arms, n, mult) -> None:
    sizes = [m * len(arms) for m in mult]
    a1 = allocate_blocks(n=n, arms=arms, seed=seed, block_sizes=sizes)
    a2 = allocate_blocks(n=n, arms=arms, seed=seed, block_sizes=sizes)
    np.testing.assert_array_equal(a1.arm_index, a2.arm_index)
    assert a1.block.size
    for b in np.unique(a1.block):
        members = a1.arm_index[a1.block == b]
        counts = np.bincount(members, minlength=len(arms))
        if members.size in sizes and b != a1.block.max():
            assert counts.min() == counts.max()
        assert counts.max() - counts.min() <= max(sizes) // len(arms)


@settings(max_examples=30, deadline=None)
@given(
    seed=seeds,
    strata=st.lists(st.sampled_from(["n", "s", "e", "w"]), min_size=1, max_size=200),
)
def test_stratified_balance_and_prefix_property(seed, strata) -> None:
    arms = ("control", "treatment")
    alloc = allocate_blocks(arms=arms, seed=seed, strata=strata, block_sizes=[2, 4])
    report = balance_report(arm_index=alloc.arm_index, arms=arms, strata=strata)
    assert report.max_imbalance <= 2
    labels = np.array(alloc.labels())
    seq = allocation_sequence(arms=arms, seed=seed, length=len(strata), strata=sorted(set(strata)))
    for s in set(strata):
        got = labels[np.array(strata) == s]
        expected = [e.arm for e in seq.by_stratum[s]][: got.size]
        assert list(got) == expected
        assert len(seq.by_stratum[s]) >= len(strata)


def test_different_seeds_give_different_allocations() -> None:
    a = allocate_blocks(n=200, arms=["a", "b"], seed=SEED_ONE)
    b = allocate_blocks(n=200, arms=["a", "b"], seed=SEED_TWO)
    assert not np.array_equal(a.arm_index, b.arm_index)


def test_adding_a_stratum_does_not_change_the_others() -> None:
    base = allocate_blocks(arms=["a", "b"], seed=SEED_K, strata=["x"] * 30)
    mixed = allocate_blocks(arms=["a", "b"], seed=SEED_K, strata=["x", "y"] * 30)
    np.testing.assert_array_equal(base.arm_index, mixed.arm_index[::2])


def test_ratio_is_respected_in_blocks() -> None:
    alloc = allocate_blocks(n=300, arms=["c", "t"], seed=SEED_R, block_sizes=[3, 6], ratio=[1, 2])
    counts = np.bincount(alloc.arm_index)
    assert counts[1] == 2 * counts[0]


def test_simple_randomisation_proportions() -> None:
    alloc = allocate_simple(n=100_000, arms=["a", "b"], seed=SEED_SIMPLE)
    share = alloc.arm_index.mean()
    assert abs(share - 0.5) < 4 * (0.25 / 100_000) ** 0.5
    assert alloc.block.min() == -1


def test_invalid_block_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match=re.escape(ERR_BLOCK_SIZES)):
        allocate_blocks(n=10, arms=["a", "b", "c"], seed=SEED_S, block_sizes=[2, 4])


def test_cluster_randomisation_keeps_clusters_together() -> None:
    rng = np.random.default_rng(0)
    clusters = rng.integers(0, 12, size=400)
    alloc = allocate_clusters(clusters=clusters, arms=["a", "b"], seed=SEED_C)
    for c in np.unique(clusters):
        assert np.unique(alloc.arm_index[clusters == c]).size == 1
    assert WARN_FEW_CLUSTERS in alloc.warnings
    strata = np.where(np.arange(400) % 2 == 0, "p", "q")
    mixed = allocate_clusters(clusters=clusters, arms=["a", "b"], seed=SEED_C, strata=strata)
    assert WARN_STRATUM_VARIES_IN_CLUSTER in mixed.warnings


@settings(max_examples=30, deadline=None)
@given(seed=seeds, g=st.integers(1, 40), steps=st.integers(1, 8))
def test_stepped_wedge_schedule_is_even_and_monotone(seed, g, steps) -> None:
    sched = stepped_wedge_schedule(clusters=[f"c{i}" for i in range(g)], steps=steps, seed=seed)
    per_step = np.bincount(sched.step, minlength=steps + 1)[1:]
    assert per_step.max() - per_step.min() <= 1
    assert (WARN_UNEVEN_STEPS in sched.warnings) == (g % steps != 0)
    assert len(sched.exposure)
    for row in sched.exposure:
        assert row[0] == 0 and list(row) == sorted(row)
    again = stepped_wedge_schedule(clusters=[f"c{i}" for i in range(g)], steps=steps, seed=seed)
    assert again == sched


@pytest.mark.slow
def test_million_units_with_strata_under_five_seconds() -> None:
    rng = np.random.default_rng(5)
    n = 1_000_000
    strata = rng.choice([f"s{i}" for i in range(40)], size=n)
    start = time.perf_counter()
    alloc = allocate_blocks(arms=["a", "b"], seed=SEED_SCALE, strata=strata, block_sizes=[2, 4, 6])
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0
    report = balance_report(arm_index=alloc.arm_index, arms=alloc.arms, strata=strata)
    assert report.max_imbalance <= 3


@settings(max_examples=30, deadline=None)
@given(seed=seeds, arms=arm_sets, length=st.integers(0, 100))
def test_pre_generated_sequence_ends_with_complete_balanced_blocks(seed, arms, length) -> None:
    sizes = [len(arms), 2 * len(arms)]
    seq = allocation_sequence(arms=arms, seed=seed, length=length, block_sizes=sizes)
    entries = seq.by_stratum[""]
    assert len(entries) >= length
    assert [e.position for e in entries] == list(range(1, len(entries) + 1))
    for b in {e.block for e in entries}:
        block = [e for e in entries if e.block == b]
        assert len(block) == block[0].block_size and len(block) in sizes
        counts = [sum(e.arm == a for e in block) for a in arms]
        assert min(counts) == max(counts)
    unit_list = (
        allocate_blocks(n=length, arms=arms, seed=seed, block_sizes=sizes) if length else None
    )
    if unit_list is not None:
        assert unit_list.labels() == [e.arm for e in entries][:length]
