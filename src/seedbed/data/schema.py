"""The declared schema of a trial data set: which column plays which role."""

from __future__ import annotations

from dataclasses import dataclass, field

MISSING_VALUE_MARKERS: tuple[str, ...] = (
    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null",
)
"""Cell texts read as missing (after trimming spaces), in every column of CSV and Excel files
alike; an empty cell is missing too. The list is pyarrow's default for CSV, so CSV files read
as before; Excel cells holding these texts (or an #N/A error) now read the same way."""

DEFAULT_ENCODING = "utf-8"
"""Text encoding of CSV files unless another is chosen; a UTF-8 byte-order mark is skipped."""


@dataclass(frozen=True)
class TrialSchema:
    """Column roles of a trial data set.

    ``arm`` and at least one ``outcomes`` column are required. ``unit`` (the unit id) enables
    the duplicate and allocation-list checks. ``covariate`` is a pre-period measure used for
    covariate adjustment (ANCOVA). ``cluster`` is the unit of randomisation in a cluster trial
    (each cluster must sit in one arm). ``strata`` are randomisation strata, ``subgroups``
    pre-specified subgroup columns, ``cost`` the cost per unit. ``arms`` lists the allowed arm
    labels (empty: any label is accepted) and ``control`` names the comparison arm.
    ``period`` makes it a stepped-wedge trial: ``arm`` then holds the condition of each
    cluster-period (e.g. treated 0/1), clusters cross over, and periods are fixed effects.
    """

    arm: str
    outcomes: tuple[str, ...]
    unit: str | None = None
    covariate: str | None = None
    cluster: str | None = None
    strata: tuple[str, ...] = ()
    subgroups: tuple[str, ...] = ()
    cost: str | None = None
    arms: tuple[str, ...] = field(default_factory=tuple)
    control: str | None = None
    period: str | None = None

    @property
    def numeric_columns(self) -> tuple[str, ...]:
        """Columns that must hold numbers (outcomes, covariate, cost)."""
        cols = list(self.outcomes)
        if self.covariate:
            cols.append(self.covariate)
        if self.cost:
            cols.append(self.cost)
        return tuple(dict.fromkeys(cols))

    @property
    def key_columns(self) -> tuple[str, ...]:
        """Grouping columns of the push-down aggregation, in a fixed order."""
        cols = [self.arm, *self.strata]
        if self.cluster:
            cols.append(self.cluster)
        if self.period:
            cols.append(self.period)
        cols.extend(self.subgroups)
        return tuple(dict.fromkeys(cols))

    @property
    def columns(self) -> tuple[str, ...]:
        """Every declared column, each once."""
        cols: list[str] = []
        if self.unit:
            cols.append(self.unit)
        cols.extend(self.key_columns)
        cols.extend(self.numeric_columns)
        return tuple(dict.fromkeys(cols))
