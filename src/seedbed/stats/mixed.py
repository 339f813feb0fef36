"""Linear mixed model with a random cluster intercept, fitted by REML from cluster moments.

Model (Laird & Ware, Biometrics 1982;38:963-974; for stepped-wedge trials the model of
Hussey & Hughes, Contemp Clin Trials 2007;28:182-191, with period fixed effects):

    y_g = X_g b + 1 u_g + e_g,   u_g ~ N(0, tau2),  e_g ~ N(0, sigma2 I),
    V_g = sigma2 I + tau2 J      (J the n_g x n_g matrix of ones)

Sufficient statistics. V_g^-1 = (I - w_g J) / sigma2 with w_g = tau2 / (sigma2 + n_g tau2),
so every quantity of the REML likelihood is a sum over clusters of

    n_g,  A_g = X_g'X_g,  a_g = X_g'1,  b_g = X_g'y_g,  s_g = 1'y_g,  c_g = y_g'y_g

(``ClusterMoments``). Cells with a constant design row (cluster x period x arm) give them
directly, so only cell counts, sums and sums of squares need leave the database.

REML (Patterson & Thompson, Biometrika 1971;58:545-554; Harville, JASA 1977;72:320-338).
With lambda = tau2 / sigma2, H_g = I + lambda J and p = rank(X), sigma2 profiles out:

    Q(lambda) = y'H^-1 y - (X'H^-1 y)' (X'H^-1 X)^-1 (X'H^-1 y),   sigma2 = Q / (N - p)
    -2 l_R(lambda) = (N - p) log Q + sum_g log(1 + n_g lambda) + log det(X'H^-1 X) + const

minimised over rho = lambda / (1 + lambda) in [0, 1) by a grid and golden-section search
(rho = 0 is allowed: tau2 = 0 on the boundary, as statsmodels' MixedLM also allows).
b = (X'V^-1 X)^-1 X'V^-1 y (GLS) and Cov(b) = C = (X'V^-1 X)^-1 at the REML estimates.

Degrees of freedom, one rule per design:

- ``DF_SATTERTHWAITE`` (stepped-wedge, where the treatment varies within clusters):
  Satterthwaite's approximation for a contrast L'b (Satterthwaite, Biometrics Bulletin
  1946;2:110-114; Giesbrecht & Burns, Biometrics 1985;41:477-486; as in SAS DDFM=SATTERTH
  and R lmerTest, Kuznetsova et al., J Stat Softw 2017;82(13)):

      df = 2 (L'CL)^2 / (g' W g),   g_i = d(L'CL)/d theta_i = L'C K_i C L,
      K_i = X'V^-1 (dV/dtheta_i) V^-1 X,  W = I(theta)^-1, theta = (sigma2, tau2),
      I_ij = 1/2 tr(P V_i P V_j),  P = V^-1 - V^-1 X C X'V^-1   (expected REML information)

  computed exactly from the moments (every V_g-polynomial is a I + b J).
- ``DF_BETWEEN_WITHIN`` (cluster-parallel trials): columns constant within every cluster
  (intercept, arm) get G - p_between degrees of freedom, the others N - G - p_within
  (Schluchter & Elashoff, J Stat Comput Simul 1990;37:11-23; SAS DDFM=BETWITHIN). For two
  arms of clusters the treatment effect has G - 2 df, the df of the cluster-level t-test
  (Hayes & Moulton, Cluster Randomised Trials, 2nd ed. 2017, section 9.2), which Li &
  Redden (Stat Med 2015;34:281-296) found keeps the type I error near nominal with few
  clusters. It is the one df rule for cluster-parallel comparisons in Seedbed
  (``seedbed.stats.cluster``, the data engine's CR1 and mixed-model analyses). In a
  balanced cluster-parallel design with tau2 > 0 the Satterthwaite df equal it exactly.

Degenerate input gives NaN with a warning, never a tiny p-value: fewer than two clusters,
no residual or between-cluster degrees of freedom (one cluster per arm), an outcome with no
variance, an outcome constant within every cluster, a design without the contrast
(collinear columns are reported NaN).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

DF_SATTERTHWAITE = "satterthwaite"
DF_BETWEEN_WITHIN = "between-within"
DF_METHODS = (DF_SATTERTHWAITE, DF_BETWEEN_WITHIN)
ERR_DF_METHOD = f"df_method must be one of: {', '.join(DF_METHODS)}"
ERR_MOMENTS_SHAPE = "moments must have one row per cluster and k columns (k >= 1)"
ERR_NEGATIVE_N = "cluster sizes n must be non-negative and finite"
ERR_NOT_FINITE = "moments must be finite numbers"
ERR_ALPHA = "alpha must lie strictly between 0 and 1, got {alpha!r}"

METHOD_MIXED = "linear mixed model (random cluster intercept, REML)"

WARN_FEW_CLUSTERS = "fewer_than_two_clusters"
"""Fewer than two clusters with observations: the cluster variance is not estimable."""
WARN_NO_BETWEEN_DF = "no_between_cluster_df"
"""No between-cluster degrees of freedom (e.g. one cluster per arm): NaN for those effects."""
WARN_NO_RESIDUAL_DF = "no_residual_df"
"""No more observations than fixed effects: nothing is estimable (NaN)."""
WARN_ZERO_VARIANCE = "zero_variance"
"""The outcome has no variance about the fitted means: standard errors are undefined (NaN)."""
WARN_ZERO_WITHIN_VARIANCE = "zero_within_cluster_variance"
"""Every cluster's outcome is constant (the residual variance estimate is zero): NaN."""
WARN_COLLINEAR = "collinear_design"
"""Some fixed effects are not estimable from the design (e.g. no treated/untreated
contrast); they are reported as NaN."""
WARN_CLUSTER_VARIANCE_ZERO = "cluster_variance_estimated_zero"
"""The REML estimate of the between-cluster variance is on its boundary (zero)."""

_GRID = 24
_TOL = 1e-11
_RHO_MAX = 1.0 - 1e-9
_ZERO_SS = 1e-12


@dataclass(frozen=True)
class ClusterMoments:
    """Per-cluster sufficient statistics (see the module docstring), stacked over G clusters.

    n (G), xtx (G x k x k) = X_g'X_g, x1 (G x k) = X_g'1, xty (G x k) = X_g'y_g,
    sy (G) = 1'y_g, yty (G) = y_g'y_g. Column 0 of X must be the intercept (all ones).
    """

    n: np.ndarray
    xtx: np.ndarray
    x1: np.ndarray
    xty: np.ndarray
    sy: np.ndarray
    yty: np.ndarray


def moments_from_cells(
    *, design: np.ndarray, n: np.ndarray, sy: np.ndarray, syy: np.ndarray, starts: np.ndarray,
) -> ClusterMoments:
    """Cluster moments from cells with constant design rows (cells x k), ordered so that each
    cluster's cells are the contiguous run beginning at ``starts``."""
    d = np.asarray(design, dtype=float)
    n = np.asarray(n, dtype=float)
    w = d * n[:, None]
    xtx = np.einsum("ci,cj->cij", w, d)
    return ClusterMoments(
        n=np.add.reduceat(n, starts), xtx=np.add.reduceat(xtx, starts, axis=0),
        x1=np.add.reduceat(w, starts, axis=0),
        xty=np.add.reduceat(d * np.asarray(sy, dtype=float)[:, None], starts, axis=0),
        sy=np.add.reduceat(np.asarray(sy, dtype=float), starts),
        yty=np.add.reduceat(np.asarray(syy, dtype=float), starts),
    )


@dataclass(frozen=True)
class MixedFit:
    """A fitted random-intercept model. Per coefficient: estimate, se, interval, p, df."""

    names: tuple[str, ...]
    coef: tuple[float, ...]
    se: tuple[float, ...]
    ci: tuple[tuple[float, float], ...]
    p: tuple[float, ...]
    df: tuple[float, ...]
    cov: tuple[tuple[float, ...], ...]
    residual_variance: float
    cluster_variance: float
    icc: float
    n: int
    n_clusters: int
    df_method: str
    reml_deviance: float
    method: str
    warnings: tuple[str, ...]


def _check(m: ClusterMoments) -> int:
    if m.xtx.ndim != 3 or m.xtx.shape[1] != m.xtx.shape[2] or m.xtx.shape[1] < 1:
        raise ValueError(ERR_MOMENTS_SHAPE)
    g, k = m.xtx.shape[0], m.xtx.shape[1]
    if (m.n.shape != (g,) or m.x1.shape != (g, k) or m.xty.shape != (g, k)
            or m.sy.shape != (g,) or m.yty.shape != (g,)):
        raise ValueError(ERR_MOMENTS_SHAPE)
    for a in (m.n, m.xtx, m.x1, m.xty, m.sy, m.yty):
        if not np.all(np.isfinite(a)):
            raise ValueError(ERR_NOT_FINITE)
    if np.any(m.n < 0):
        raise ValueError(ERR_NEGATIVE_N)
    return k


def _estimable(xtx: np.ndarray) -> np.ndarray:
    """Indices of a maximal set of linearly independent columns (in column order)."""
    k = xtx.shape[0]
    scale = np.sqrt(np.clip(np.diag(xtx), 0.0, None))
    keep: list[int] = []
    for j in range(k):
        if scale[j] == 0:
            continue
        trial = keep + [j]
        sub = xtx[np.ix_(trial, trial)] / np.outer(scale[trial], scale[trial])
        if np.linalg.eigvalsh(sub).min() > 1e-10:
            keep = trial
    return np.asarray(keep, dtype=int)


class _Problem:
    """The centred moments and the quantities of the REML profile at a given lambda."""

    def __init__(self, m: ClusterMoments) -> None:
        self.n = m.n
        self.N = float(m.n.sum())
        shift = float(m.sy.sum()) / self.N  # centre y: b_0 absorbs it, rounding does not
        self.shift = shift
        self.A = m.xtx
        self.a = m.x1
        self.b = m.xty - shift * m.x1
        self.s = m.sy - shift * m.n
        self.c = m.yty - 2.0 * shift * m.sy + shift * shift * m.n
        self.k = m.xtx.shape[1]

    def parts(self, lam: float) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
        """(X'H^-1 X, X'H^-1 y, y'H^-1 y, w) with H = I + lambda J."""
        w = lam / (1.0 + self.n * lam)
        xhx = self.A.sum(axis=0) - np.einsum("g,gi,gj->ij", w, self.a, self.a)
        xhy = self.b.sum(axis=0) - (w * self.s) @ self.a
        yhy = float(self.c.sum() - np.sum(w * self.s * self.s))
        return xhx, xhy, yhy, w

    def deviance(self, rho: float) -> tuple[float, float]:
        """(-2 l_R up to a constant, Q) at rho = lambda / (1 + lambda)."""
        lam = rho / (1.0 - rho)
        xhx, xhy, yhy, _ = self.parts(lam)
        try:
            chol = np.linalg.cholesky(xhx)
        except np.linalg.LinAlgError:
            return math.inf, math.nan
        z = np.linalg.solve(chol, xhy)
        q = yhy - float(z @ z)
        p = self.k
        if not q > 0:
            return -math.inf if q == 0 else math.inf, q
        dev = ((self.N - p) * math.log(q) + float(np.sum(np.log1p(self.n * lam)))
               + 2.0 * float(np.sum(np.log(np.diag(chol)))))
        return dev, q


def _reml_rho(prob: _Problem) -> float:
    """The REML estimate of rho in [0, _RHO_MAX]: grid, then golden section."""
    grid = np.r_[0.0, special.expit(np.linspace(-10.0, 10.0, _GRID)), _RHO_MAX]
    devs = np.array([prob.deviance(r)[0] for r in grid])
    i = int(np.argmin(devs))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    phi = (math.sqrt(5.0) - 1.0) / 2.0
    x1, x2 = hi - phi * (hi - lo), lo + phi * (hi - lo)
    f1, f2 = prob.deviance(x1)[0], prob.deviance(x2)[0]
    while hi - lo > _TOL:
        if f1 <= f2:
            hi, x2, f2 = x2, x1, f1
            x1 = hi - phi * (hi - lo)
            f1 = prob.deviance(x1)[0]
        else:
            lo, x1, f1 = x1, x2, f2
            x2 = lo + phi * (hi - lo)
            f2 = prob.deviance(x2)[0]
    best = min(((devs[i], grid[i]), (f1, x1), (f2, x2), (prob.deviance(lo)[0], lo)),
               key=lambda t: t[0])
    return float(best[1])


def _mul(x: tuple[np.ndarray, np.ndarray], y: tuple[np.ndarray, np.ndarray],
         n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Product of two per-cluster matrices a I + b J (J^2 = n J)."""
    return x[0] * y[0], x[0] * y[1] + x[1] * y[0] + n * x[1] * y[1]


def _sandwich(e: tuple[np.ndarray, np.ndarray], prob: _Problem) -> np.ndarray:
    """sum_g X_g' (a_g I + b_g J) X_g."""
    return np.einsum("g,gij->ij", e[0], prob.A) + np.einsum("g,gi,gj->ij", e[1], prob.a, prob.a)


def _satterthwaite(prob: _Problem, sigma2: float, tau2: float, cov: np.ndarray) -> np.ndarray:
    """Satterthwaite df of each coefficient (module docstring), from the moments."""
    n = prob.n
    one, zero = np.ones_like(n), np.zeros_like(n)
    w = tau2 / (sigma2 + n * tau2)
    vinv = (one / sigma2, -w / sigma2)
    dv = [(one, zero), (zero, one)]  # dV/dsigma2 = I, dV/dtau2 = J
    left = [_mul(vinv, _mul(d, vinv, n), n) for d in dv]  # V^-1 V_i V^-1
    k_mats = [_sandwich(e, prob) for e in left]
    info = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            vv = _mul(left[i], dv[j], n)  # V^-1 V_i V^-1 V_j
            trace_vv = float(np.sum(n * (vv[0] + vv[1])))
            middle = _sandwich(_mul(vv, vinv, n), prob)
            info[i, j] = 0.5 * (trace_vv - 2.0 * float(np.sum(cov * middle))
                                + float(np.trace(cov @ k_mats[i] @ cov @ k_mats[j])))
    try:
        w_theta = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return np.full(cov.shape[0], math.nan)
    out = np.empty(cov.shape[0])
    for j in range(cov.shape[0]):
        grad = np.array([(cov @ km @ cov)[j, j] for km in k_mats])
        denom = float(grad @ w_theta @ grad)
        out[j] = 2.0 * cov[j, j] ** 2 / denom if denom > 0 else math.inf
    return out


def _between_columns(prob: _Problem) -> np.ndarray:
    """Which columns are constant within every cluster (zero within-cluster sum of squares)."""
    diag = np.einsum("gii->i", prob.A) - np.einsum("gi,gi->i", prob.a, prob.a / prob.n[:, None])
    scale = np.einsum("gii->i", prob.A)
    return np.asarray(diag <= 1e-10 * np.maximum(scale, 1.0))


def _between_within(prob: _Problem, g: int) -> np.ndarray:
    """Between-within df: G - p_between for cluster-level columns, N - G - p_within else."""
    between = _between_columns(prob)
    p_b = int(between.sum())
    return np.where(between, g - p_b, prob.N - g - (prob.k - p_b)).astype(float)


def fit_random_intercept(
    *, moments: ClusterMoments, names: list[str] | tuple[str, ...],
    df_method: str = DF_SATTERTHWAITE, alpha: float = 0.05,
) -> MixedFit:
    """REML fit of the random-intercept model (module docstring); column 0 is the intercept.

    Clusters with n = 0 are ignored. Coefficients that the design cannot estimate, and
    every inference when the data are degenerate, are NaN with a warning code.
    """
    if df_method not in DF_METHODS:
        raise ValueError(ERR_DF_METHOD)
    if not 0.0 < alpha < 1.0:
        raise ValueError(ERR_ALPHA.format(alpha=alpha))
    k_all = _check(moments)
    if len(names) != k_all:
        raise ValueError(ERR_MOMENTS_SHAPE)
    keep_g = moments.n > 0
    m = ClusterMoments(n=moments.n[keep_g], xtx=moments.xtx[keep_g], x1=moments.x1[keep_g],
                       xty=moments.xty[keep_g], sy=moments.sy[keep_g], yty=moments.yty[keep_g])
    g, n_total = int(keep_g.sum()), int(round(float(m.n.sum())))
    warnings: list[str] = []
    nan_fit = _nan_fit(names, n_total, g, df_method)
    if g < 2:
        warnings.append(WARN_FEW_CLUSTERS)
        return _with(nan_fit, warnings)
    cols = _estimable(m.xtx.sum(axis=0))
    if len(cols) < k_all:
        warnings.append(WARN_COLLINEAR)
    if len(cols) == 0 or cols[0] != 0:
        return _with(nan_fit, warnings)
    sub = ClusterMoments(n=m.n, xtx=m.xtx[:, cols][:, :, cols], x1=m.x1[:, cols],
                         xty=m.xty[:, cols], sy=m.sy, yty=m.yty)
    prob = _Problem(sub)
    k = prob.k
    if prob.N <= k:
        warnings.append(WARN_NO_RESIDUAL_DF)
        return _with(nan_fit, warnings)
    q_ols = prob.deviance(0.0)[1]
    # The scale is the raw sum of squares y'y: the centred moments are computed from it, so
    # sums of squares below _ZERO_SS * y'y are rounding error, not variance.
    scale = _ZERO_SS * float(m.yty.sum())
    if not q_ols > scale or not scale > 0:
        warnings.append(WARN_ZERO_VARIANCE)
        return _with(nan_fit, warnings)
    within = float(np.sum(prob.c - prob.s * prob.s / prob.n))
    if not within > scale:
        warnings.append(WARN_ZERO_WITHIN_VARIANCE)
        return _with(nan_fit, warnings)
    rho = _reml_rho(prob)
    lam = rho / (1.0 - rho)
    dev, q = prob.deviance(rho)
    # An exact fit once the cluster effects are in: the REML residual variance is zero, i.e.
    # rho = tau2 / (tau2 + sigma2) reaches its bound 1 - 1e-9, or Q is rounding error.
    if rho >= _RHO_MAX or not q > scale:
        warnings.append(WARN_ZERO_VARIANCE)
        return _with(nan_fit, warnings)
    sigma2 = q / (prob.N - k)
    tau2 = lam * sigma2
    if rho == 0.0:
        warnings.append(WARN_CLUSTER_VARIANCE_ZERO)
    xhx, xhy, _, _ = prob.parts(lam)
    coef_s = np.linalg.solve(xhx, xhy)
    coef_s[0] += prob.shift
    cov_s = sigma2 * np.linalg.inv(xhx)
    if df_method == DF_SATTERTHWAITE:
        df_s = _satterthwaite(prob, sigma2, tau2, cov_s)
    else:
        df_s = _between_within(prob, g)
    between = _between_columns(prob)
    if g - int(between.sum()) <= 0:  # cluster-level effects confounded with the clusters
        df_s = np.where(between, 0.0, df_s)
    if np.any(df_s <= 0):
        warnings.append(WARN_NO_BETWEEN_DF)
    coef = np.full(k_all, math.nan)
    cov = np.full((k_all, k_all), math.nan)
    df = np.full(k_all, math.nan)
    coef[cols] = coef_s
    cov[np.ix_(cols, cols)] = cov_s
    df[cols] = np.where(df_s > 0, df_s, math.nan)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    se = np.where(np.isnan(df), math.nan, se)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.abs(coef) / se
        p = 2.0 * special.stdtr(df, -stat)
        q_t = special.stdtrit(df, 1.0 - alpha / 2.0)
    icc = tau2 / (tau2 + sigma2)
    return MixedFit(
        names=tuple(names), coef=_t(coef), se=_t(se),
        ci=tuple((float(c - qq * s), float(c + qq * s)) for c, s, qq in zip(coef, se, q_t,
                                                                         strict=True)),
        p=_t(p), df=_t(df), cov=tuple(_t(r) for r in cov), residual_variance=float(sigma2),
        cluster_variance=float(tau2), icc=float(icc), n=n_total, n_clusters=g,
        df_method=df_method, reml_deviance=float(dev), method=METHOD_MIXED,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _t(a: np.ndarray) -> tuple[float, ...]:
    return tuple(float(v) for v in a)


def _nan_fit(names: list[str] | tuple[str, ...], n: int, g: int, df_method: str) -> MixedFit:
    k = len(names)
    nan = math.nan
    return MixedFit(
        names=tuple(names), coef=(nan,) * k, se=(nan,) * k, ci=((nan, nan),) * k, p=(nan,) * k,
        df=(nan,) * k, cov=tuple((nan,) * k for _ in range(k)), residual_variance=nan,
        cluster_variance=nan, icc=nan, n=n, n_clusters=g, df_method=df_method,
        reml_deviance=nan, method=METHOD_MIXED, warnings=(),
    )


def _with(fit: MixedFit, warnings: list[str]) -> MixedFit:
    from dataclasses import replace

    return replace(fit, warnings=tuple(dict.fromkeys(warnings)))
