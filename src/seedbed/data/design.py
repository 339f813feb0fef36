"""Design rows of the regression models, built per cell.

Models (treatment arms coded against the control arm):
  unadjusted   y ~ 1 + arm
  adjusted     y ~ 1 + arm + x + strata          (ANCOVA; strata as fixed effects)
  interaction  y ~ 1 + arm + level + arm:level [+ x + strata]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seedbed.data.cells import Cells


@dataclass(frozen=True)
class Design:
    """Constant design rows (cells x k), column names, and the covariate's column if any."""

    rows: np.ndarray
    names: list[str]
    x_col: int | None
    arm_cols: list[int]
    interaction_cols: list[int]


def _dummies(codes: np.ndarray, levels: list[int]) -> np.ndarray:
    return (codes[:, None] == np.asarray(levels)[None, :]).astype(float)


def build_design(
    *, cells: Cells, arm: str, treatment_codes: list[int],
    arm_labels: list[str], covariate: str | None = None, strata: tuple[str, ...] = (),
    subgroup: str | None = None,
) -> Design:
    """Design rows for the cells; see the module docstring for the models."""
    size = cells.size
    cols: list[np.ndarray] = [np.ones((size, 1))]
    names = ["Intercept"]
    arm_codes = cells.keys[arm].codes
    cols.append(_dummies(arm_codes, treatment_codes))
    arm_cols = list(range(1, 1 + len(treatment_codes)))
    names += [f"arm[{arm_labels[c]}]" for c in treatment_codes]
    interaction_cols: list[int] = []
    if subgroup is not None:
        key = cells.keys[subgroup]
        present = sorted(set(np.unique(key.codes[key.codes >= 0]).tolist()))
        labels = key.labels()
        present.sort(key=lambda c: str(labels[c]))
        rest = present[1:]
        lev = _dummies(key.codes, rest)
        cols.append(lev)
        names += [f"{subgroup}[{labels[c]}]" for c in rest]
        start = sum(c.shape[1] for c in cols)
        inter = [
            cols[1][:, i : i + 1] * lev[:, j : j + 1]
            for i in range(len(treatment_codes)) for j in range(len(rest))
        ]
        if inter:
            cols.append(np.hstack(inter))
        names += [
            f"arm[{arm_labels[t]}]:{subgroup}[{labels[c]}]" for t in treatment_codes for c in rest
        ]
        interaction_cols = list(range(start, start + len(inter)))
    x_col = None
    if covariate is not None:
        x_col = sum(c.shape[1] for c in cols)
        cols.append(np.zeros((size, 1)))
        names.append(covariate)
    for stratum in strata:
        key = cells.keys[stratum]
        labels = key.labels()

        def name(c: int, labels: list[str | None] = labels) -> str:
            return "~missing" if c < 0 else str(labels[c])

        present = sorted(set(np.unique(key.codes).tolist()), key=name)
        cols.append(_dummies(key.codes, present[1:]))
        names += [f"{stratum}[{name(c)}]" for c in present[1:]]
    return Design(
        rows=np.hstack(cols), names=names, x_col=x_col, arm_cols=arm_cols,
        interaction_cols=interaction_cols,
    )
