"""Small evaluation data sets with effects known by construction, and registered
evaluations of each design to put them in (built through the services)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd

from seedbed.evaluations.models import Design, Evaluation
from seedbed.evaluations.services import evaluation_create, evaluation_register, plan_update

COMMON = {
    "question": "Did the change help?", "outcome": "The outcome each period",
    "comparison": "Areas or periods without the change", "period": "Four years",
    "assumptions": "Nothing else changed at the same time", "success": "A clear fall",
}
PLANS: dict[str, dict[str, Any]] = {
    Design.DID: {"outcome_column": "rereferrals", "unit_column": "team",
                 "time_column": "quarter", "first_treated_column": "started"},
    Design.ITS: {"outcome_column": "delays", "time_column": "month", "start": 25.0},
    Design.SYNTH: {"outcome_column": "reports", "unit_column": "ward", "time_column": "month",
                   "treated_unit": "Ward 0", "start": 19.0},
    Design.RD: {"outcome_column": "arrears", "running_column": "score", "cutoff": 50.0},
}
EFFECTS = {Design.DID: -3.0, Design.ITS: -8.0, Design.SYNTH: -4.0, Design.RD: -120.0}


def registered(world: dict[str, Any], design: str, title: str = "An evaluation",
               **plan: Any) -> Evaluation:
    lead = world["users"]["lead"]
    evaluation = evaluation_create(actor=lead, organisation=world["organisations"]["childrens-services"],
                                   title=title, design=design)
    plan_update(actor=lead, evaluation=evaluation, changes={**COMMON, **PLANS[design], **plan})
    return evaluation_register(actor=lead, evaluation=evaluation)


def frame(design: str, seed: int = 1) -> pd.DataFrame:
    """A data set for ``design`` whose true effect is ``EFFECTS[design]``."""
    rng = np.random.default_rng(seed)
    effect = EFFECTS[design]
    if design == Design.DID:
        rows = []
        for u in range(45):
            started = (0, 5, 7)[u % 3]
            level = rng.normal(20, 3)
            for t in range(1, 11):
                y = level + 0.3 * t + (effect if started and t >= started else 0) + rng.normal(0, 0.5)
                rows.append({"team": f"Team {u}", "quarter": t, "rereferrals": y, "started": started})
        return pd.DataFrame(rows)
    if design == Design.ITS:
        t = np.arange(1, 49)
        return pd.DataFrame({"month": t, "delays": 60 + 0.3 * t + effect * (t >= 25)
                             + rng.normal(0, 1.0, t.size)})
    if design == Design.SYNTH:
        periods, donors = 30, 8
        factors = np.cumsum(rng.normal(0, 1, (periods, 2)), axis=0)
        load = rng.uniform(0, 1, (donors + 1, 2))
        load[0] = 0.5 * load[1] + 0.3 * load[2] + 0.2 * load[3]
        y = 30 + factors @ load.T + rng.normal(0, 0.2, (periods, donors + 1))
        y[18:, 0] += effect
        return pd.DataFrame([{"ward": f"Ward {j}", "month": t + 1, "reports": y[t, j]}
                             for j in range(donors + 1) for t in range(periods)])
    score = rng.uniform(0, 100, 1500)
    arrears = 600 - 4 * score + effect * (score >= 50) + rng.normal(0, 40, score.size)
    return pd.DataFrame({"score": score, "arrears": arrears})


def csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode()


def file_bytes(df: pd.DataFrame, suffix: str) -> bytes:
    buffer = io.BytesIO()
    if suffix == ".parquet":
        df.to_parquet(buffer, index=False)
    elif suffix == ".xlsx":
        df.to_excel(buffer, index=False)
    else:
        return csv_bytes(df)
    return buffer.getvalue()
