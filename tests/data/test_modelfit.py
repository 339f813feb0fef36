"""The data engine's own fit record and tail areas against the statistics engine and scipy."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from seedbed.data import modelfit
from seedbed.data.checks import SRM_ALPHA, srm_check
from seedbed.stats import quality, regression


def test_codes_and_fields_equal_the_statistics_engine() -> None:
    for name in ("COV_CLASSICAL", "COV_CR1", "WARN_SINGULAR_DESIGN", "WARN_N_NOT_GREATER_THAN_K",
                 "WARN_FEW_CLUSTERS_PER_ARM", "WARN_ONE_CLUSTER", "WARN_NO_DATA",
                 "MIN_CLUSTERS_PER_ARM"):
        assert getattr(modelfit, name) == getattr(regression, name), name
    assert SRM_ALPHA == quality.SRM_THRESHOLD
    fields = [f.name for f in modelfit.ModelFit.__dataclass_fields__.values()]
    assert fields == [f.name for f in regression.RegressionResult.__dataclass_fields__.values()]


@given(t=st.floats(min_value=-40, max_value=40), df=st.floats(min_value=1, max_value=1e7))
def test_t_tail_and_quantile_match_scipy_stats(t: float, df: float) -> None:
    p = float(modelfit.t_two_sided_p(np.array([t]), df)[0])
    assert p == pytest.approx(2 * sps.t.sf(abs(t), df), rel=1e-9, abs=1e-300)
    assert modelfit.t_quantile(0.975, df) == pytest.approx(sps.t.ppf(0.975, df), rel=1e-9)


@given(f=st.floats(min_value=0, max_value=200), q=st.integers(min_value=1, max_value=12),
       df=st.floats(min_value=1, max_value=1e6))
def test_f_tail_matches_scipy_stats(f: float, q: int, df: float) -> None:
    assert modelfit.f_upper_tail(f, q, df) == pytest.approx(sps.f.sf(f, q, df), rel=1e-8,
                                                            abs=1e-300)


@given(counts=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=5),
       weighted=st.booleans())
def test_srm_equals_the_statistics_engine(counts: list[int], weighted: bool) -> None:
    ratio = [1.0 + i for i in range(len(counts))] if weighted else None
    ours = srm_check(observed=counts, ratio=ratio)
    try:
        ref = quality.sample_ratio_mismatch(counts=counts, ratio=ratio)
    except ValueError:
        assert math.isnan(ours.p) and not ours.mismatch
        return
    assert ours.observed == ref.observed
    assert ours.expected == pytest.approx(ref.expected, rel=1e-15)
    assert ours.mismatch == ref.mismatch
    for a, b in ((ours.chi2, ref.chi_square), (ours.p, ref.p)):
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-300)


def test_analysing_does_not_import_scipy_stats() -> None:
    code = ("import sys; import seedbed.data, seedbed.data.pipeline, seedbed.data.cellols; "
            "print(any(m == 'scipy.stats' or m.startswith('scipy.stats.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
