"""`seedbed stats ...`: command-line access to the `seedbed.stats` engine.

Commands: power, boundaries, compare, randomise (``analyse`` is mounted from
``seedbed.cli.analyse``). Heavy modules are imported inside the commands so that
``seedbed --help`` stays fast. With ``--json`` the result is printed as JSON on stdout.
"""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from seedbed.cli.output import emit_json, fail

app = typer.Typer(help="The stats engine.", no_args_is_help=True)

ERR_ICC_FLAG = "--icc must lie in [0, 1), got {value}"


class Outcome(StrEnum):
    continuous = "continuous"
    binary = "binary"


class Design(StrEnum):
    parallel = "parallel"
    stepped_wedge = "stepped-wedge"


class Spending(StrEnum):
    obrien_fleming = "obrien-fleming"
    pocock = "pocock"
    classic_obrien_fleming = "classic-obrien-fleming"
    classic_pocock = "classic-pocock"


class Metric(StrEnum):
    mean = "mean"
    proportion = "proportion"


class Difference(StrEnum):
    absolute = "absolute"
    relative = "relative"


def _show(payload: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(payload)
        return
    from seedbed.stats.warnings import warning_texts

    for key, value in payload.items():
        if key == "warnings":  # JSON keeps the codes; people read the sentences
            texts = warning_texts(value)
            typer.echo("warnings: none" if not texts else "warnings:")
            for text in texts:
                typer.echo(f"  - {text}")
            continue
        typer.echo(f"{key}: {value}")


def _floats(text: str, what: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        fail(f"{what} must be numbers separated by commas, got {text!r}")


def _finite_int(x: float) -> int | None:
    return math.ceil(x - 1e-9) if math.isfinite(x) else None


@app.command()
def power(
    outcome: Outcome = typer.Option(Outcome.continuous, help="continuous or binary"),
    effect_size: float | None = typer.Option(None, help="standardised effect (Cohen's d)"),
    difference: float | None = typer.Option(None, help="raw difference in means (with --sd)"),
    sd: float | None = typer.Option(None, help="outcome standard deviation (with --difference)"),
    p_control: float | None = typer.Option(None, help="binary: control proportion"),
    p_treatment: float | None = typer.Option(None, help="binary: treatment proportion"),
    alpha: float = typer.Option(0.05, help="significance level"),
    power_: float = typer.Option(0.8, "--power", help="target power"),
    sides: int = typer.Option(2, help="1 or 2"),
    icc: float | None = typer.Option(None, help="intracluster correlation"),
    cluster_size: int | None = typer.Option(
        None, help="mean cluster size (people per cluster per period if stepped wedge)"
    ),
    cv: float = typer.Option(0.0, help="coefficient of variation of cluster sizes"),
    design: Design = typer.Option(Design.parallel, help="parallel or stepped-wedge"),
    steps: int | None = typer.Option(None, help="stepped wedge: number of steps"),
    baseline: int = typer.Option(1, help="stepped wedge: control periods before the first step"),
    n_per_arm: float | None = typer.Option(
        None, help="also report power and MDE at this n per arm"
    ),
    looks: int | None = typer.Option(None, help="group-sequential: number of looks (inflates n)"),
    spending: Spending = typer.Option(Spending.obrien_fleming, help="group-sequential spending"),
    curve: bool = typer.Option(False, "--curve", help="add power and MDE against design size"),
    curve_sizes: str | None = typer.Option(
        None, help="sizes for --curve, e.g. 8,16,24 (people or clusters per arm; SW: clusters)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Sample size per arm (t-test or pooled-normal proportions); clusters for cluster and
    stepped-wedge designs (Hussey & Hughes), with the power the recommended design achieves."""
    _check_power_flags(
        effect_size=effect_size, difference=difference, sd=sd, p_control=p_control,
        p_treatment=p_treatment, icc=icc, cluster_size=cluster_size, cv=cv, steps=steps,
        baseline=baseline, n_per_arm=n_per_arm, looks=looks, alpha=alpha, power_=power_,
    )
    try:
        payload, warnings = _individual_size(
            outcome, effect_size, difference, sd, p_control, p_treatment, alpha, power_, sides
        )
        if n_per_arm is not None:
            payload.update(
                _power_at_n(
                    outcome, n_per_arm, effect_size, difference, sd, p_control, p_treatment,
                    alpha, power_, sides,
                )
            )
        target = _planning_outcome(outcome, effect_size, difference, sd, p_control, p_treatment)
        spec = {"alpha": alpha, "power": power_, "sides": sides, "looks": looks or 1,
                "spending": spending.value}
        kind = "individual"
        if design == Design.stepped_wedge:
            if steps is None or cluster_size is None or icc is None:
                fail("--design stepped-wedge needs --steps, --cluster-size and --icc")
            kind, recommended = "stepped-wedge", _stepped_wedge_payload(
                payload, warnings, target, res_n=payload["n_per_arm"], steps=steps,
                cluster_size=cluster_size, icc=icc, cv=cv, baseline=baseline, spec=spec,
            )
        elif icc is not None or cluster_size is not None:
            if icc is None or cluster_size is None:
                fail("cluster randomisation needs both --icc and --cluster-size")
            kind, recommended = "cluster", _cluster_payload(
                payload, warnings, target, res_n=payload["n_per_arm"], cluster_size=cluster_size,
                icc=icc, cv=cv, spec=spec,
            )
        else:
            recommended = payload["n_per_arm_rounded"]
        if looks is not None:
            payload.update(
                _inflation(looks, alpha, sides, spending.value, power_, payload["n_per_arm"])
            )
        if curve or curve_sizes:
            payload["curve"] = _curve(
                kind, recommended, curve_sizes, effect_size, difference, sd, p_control,
                p_treatment, icc, cluster_size, steps, baseline, cv, spec,
            )
        payload["warnings"] = list(dict.fromkeys(warnings))
    except ValueError as exc:
        fail(str(exc))
    _show(payload, as_json)


def _check_power_flags(**values: Any) -> None:
    """Refuse NaN, infinities and impossible values before any sums, naming the flag."""
    from seedbed.stats import arguments as arg

    checks = {
        "effect_size": arg.finite, "difference": arg.finite, "sd": arg.positive,
        "p_control": arg.open_unit, "p_treatment": arg.open_unit, "cv": arg.non_negative,
        "alpha": arg.open_unit, "power_": arg.open_unit,
    }
    wholes = {"cluster_size": 1, "steps": 2, "baseline": 0, "looks": 1, "n_per_arm": 2}
    try:
        for name, value in values.items():
            if value is None:
                continue
            flag = "--" + name.rstrip("_").replace("_", "-")
            if name in checks:
                checks[name](flag, value)
            elif name in wholes:
                arg.whole(flag, value, minimum=wholes[name])
            elif name == "icc" and not 0.0 <= arg.finite(flag, value) < 1.0:
                fail(ERR_ICC_FLAG.format(value=value))
    except ValueError as exc:
        fail(str(exc))


def _individual_size(
    outcome: Outcome, d: float | None, diff: float | None, sd: float | None,
    p0: float | None, p1: float | None, alpha: float, target: float, sides: int,
) -> tuple[dict[str, Any], list[str]]:
    from seedbed.stats import power as pw

    if outcome == Outcome.binary:
        if p0 is None or p1 is None:
            fail("--outcome binary needs --p-control and --p-treatment")
        res = pw.sample_size_binary(
            p_control=p0, p_treatment=p1, alpha=alpha, power=target, sides=sides
        )
    else:
        if d is None and (diff is None or sd is None):
            fail("--outcome continuous needs --effect-size, or --difference and --sd")
        res = pw.sample_size_continuous(
            effect_size=d, difference=diff, sd=sd, alpha=alpha, power=target, sides=sides
        )
    payload: dict[str, Any] = {
        "n_per_arm": res.n_per_arm,
        "n_per_arm_rounded": res.n_per_arm_rounded,
        "n_total": res.n_total,
        "method": res.method,
    }
    return payload, list(res.warnings)


def _planning_outcome(
    outcome: Outcome, d: float | None, diff: float | None, sd: float | None,
    p0: float | None, p1: float | None,
) -> Any:
    from seedbed.stats.cluster_power import binary_outcome, continuous_outcome

    if outcome == Outcome.binary:
        return binary_outcome(p_control=p0, p_treatment=p1)  # type: ignore[arg-type]
    effect = d if d is not None else (diff or 0.0) / (sd or 1.0)
    return continuous_outcome(effect_size=effect)


def _stepped_wedge_payload(
    payload: dict[str, Any], warnings: list[str], target: Any, *, res_n: float, steps: int,
    cluster_size: int, icc: float, cv: float, baseline: int, spec: dict[str, Any],
) -> int | None:
    from seedbed.stats import design_effects as de
    from seedbed.stats.sw_power import stepped_wedge_plan

    plan = stepped_wedge_plan(
        outcome=target, icc=icc, steps=steps, cluster_size=cluster_size, baseline=baseline,
        cv=cv, **spec,
    )
    woertman = de.design_effect_stepped_wedge(
        steps=steps, cluster_size=cluster_size, icc=icc, baseline=baseline
    )
    payload.update(
        design_effect=woertman,
        clusters=plan.clusters,
        clusters_per_step=plan.clusters_per_step,
        power=plan.power,
        periods=plan.periods,
        total_n=plan.total_n,
        total_n_rounded=_finite_int(plan.total_n) if plan.total_n is not None else None,
        method_clusters="Hussey & Hughes (2007) GLS variance, normal test",
    )
    if plan.information_rates is not None:
        payload["information_rates"] = list(plan.information_rates)
    warnings += plan.warnings
    return plan.clusters


def _cluster_payload(
    payload: dict[str, Any], warnings: list[str], target: Any, *, res_n: float,
    cluster_size: int, icc: float, cv: float, spec: dict[str, Any],
) -> int | None:
    from seedbed.stats import design_effects as de
    from seedbed.stats.cluster_power import cluster_plan

    plan = cluster_plan(outcome=target, cluster_size=cluster_size, icc=icc, cv=cv, **spec)
    approx = de.cluster_sample_size(n_per_arm=res_n, cluster_size=cluster_size, icc=icc, cv=cv)
    payload.update(
        design_effect=plan.design_effect,
        clusters_per_arm=plan.clusters_per_arm,
        clusters_per_arm_normal=approx.clusters_per_arm,
        n_per_arm_cluster=approx.n_per_arm,
        power=plan.power,
        total_n=_finite_int(plan.total_n) if plan.total_n is not None else None,
        method_clusters="cluster-level t-test, noncentral t on 2G - 2 df",
    )
    warnings += plan.warnings + approx.warnings
    return plan.clusters_per_arm


def _curve(
    kind: str, recommended: int | None, sizes_text: str | None, d: float | None,
    diff: float | None, sd: float | None, p0: float | None, p1: float | None,
    icc: float | None, m: int | None, steps: int | None, baseline: int, cv: float,
    spec: dict[str, Any],
) -> list[dict[str, Any]]:
    from seedbed.stats.power_curves import default_sizes, power_curve

    k = steps or 4
    if sizes_text:
        from seedbed.stats.arguments import whole

        sizes = tuple(whole("--curve-sizes", v, minimum=1) for v in _floats(sizes_text, "--curve-sizes"))
    else:
        sizes = default_sizes(design=kind, recommended=recommended, steps=k)
    effect = d if d is not None else (diff / sd if diff is not None and sd else None)
    res = power_curve(
        design=kind, sizes=sizes, effect_size=effect, p_control=p0, p_treatment=p1,
        icc=icc or 0.0, cluster_size=m or 1, steps=k, baseline=baseline, cv=cv,
        alpha=spec["alpha"], power=spec["power"], sides=spec["sides"], looks=spec["looks"],
        spending=spec["spending"],
    )
    return [{"size": p.size, "power": p.power, "mde": p.mde} for p in res.points]


def _power_at_n(
    outcome: Outcome,
    n: float,
    d: float | None,
    diff: float | None,
    sd: float | None,
    p0: float | None,
    p1: float | None,
    alpha: float,
    target: float,
    sides: int,
) -> dict[str, Any]:
    from seedbed.stats import power as pw

    if outcome == Outcome.binary:
        assert p0 is not None and p1 is not None
        return {
            "power_at_n": pw.power_binary(
                n_per_arm=n, p_control=p0, p_treatment=p1, alpha=alpha, sides=sides
            ),
            "mde_at_n": pw.mde_binary(
                n_per_arm=n, p_control=p0, alpha=alpha, power=target, sides=sides
            ),
        }
    effect = d if d is not None else (diff or 0.0) / sd if sd else 0.0
    return {
        "power_at_n": pw.power_continuous(
            n_per_arm=n, effect_size=effect, alpha=alpha, sides=sides
        ),
        "mde_at_n": pw.mde_continuous(n_per_arm=n, alpha=alpha, power=target, sides=sides),
    }


def _inflation(
    looks: int, alpha: float, sides: int, spending: str, target: float, n: float
) -> dict[str, Any]:
    from seedbed.stats.boundaries import group_sequential_design
    from seedbed.stats.design_effects import group_sequential_sample_size

    gsd = group_sequential_design(looks=looks, alpha=alpha, sides=sides, spending=spending)
    if not math.isfinite(n):
        return {"inflation_factor": None, "n_per_arm_max": None}
    factor, n_max = group_sequential_sample_size(n_per_arm=n, design=gsd, power=target)
    return {
        "inflation_factor": factor,
        "n_per_arm_max": n_max,
        "n_per_arm_max_rounded": _finite_int(n_max),
    }


@app.command()
def boundaries(
    looks: int = typer.Option(..., help="number of looks K (including the final analysis)"),
    alpha: float = typer.Option(0.05, help="overall significance level"),
    sides: int = typer.Option(2, help="1 or 2"),
    spending: Spending = typer.Option(
        Spending.obrien_fleming, help="spending function or boundary"
    ),
    information_rates: str | None = typer.Option(
        None, help="comma-separated fractions, e.g. 0.5,1"
    ),
    harm_alpha: float | None = typer.Option(
        None, help="add a one-sided harm boundary at this level"
    ),
    futility_z: float | None = typer.Option(None, help="non-binding futility boundary on Z"),
    power_: float | None = typer.Option(None, "--power", help="also report the inflation factor"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Group-sequential boundaries on the Z scale (Lan-DeMets spending or classic)."""
    from seedbed.stats.boundaries import group_sequential_design, inflation_factor

    rates = _floats(information_rates, "--information-rates") if information_rates else None
    try:
        design = group_sequential_design(
            looks=looks,
            alpha=alpha,
            sides=sides,
            spending=spending.value,
            information_rates=rates,
            harm_alpha=harm_alpha,
            futility_z=futility_z,
        )
        payload: dict[str, Any] = {
            "critical_z": list(design.critical_z),
            "cumulative_alpha": list(design.cumulative_alpha),
            "nominal_alpha": list(design.nominal_alpha),
            "information_rates": list(design.information_rates),
            "spending": design.spending,
            "sides": design.sides,
            "alpha": design.alpha,
        }
        if design.harm_z is not None:
            payload["harm_z"] = list(design.harm_z)
        if design.futility_z is not None:
            payload["futility_z"] = list(design.futility_z)
        if power_ is not None:
            payload["inflation_factor"] = inflation_factor(design=design, power=power_)
        payload["warnings"] = list(design.warnings)
    except ValueError as exc:
        fail(str(exc))
    _show(payload, as_json)


def _summary(text: str, metric: Metric, which: str) -> dict[str, float]:
    fields: dict[str, float] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep:
            fail(f"--{which}: expected key=value pairs such as n=100,sum=42, got {part!r}")
        try:
            fields[key.strip()] = float(value)
        except ValueError:
            fail(f"--{which}: {key.strip()} must be a number, got {value!r}")
    allowed = {"n", "sum", "sum_squares"}
    unknown = set(fields) - allowed
    if unknown:
        fail(f"--{which}: unknown field(s) {', '.join(sorted(unknown))}; use n, sum, sum_squares")
    needed = ["n", "sum"] + (["sum_squares"] if metric == Metric.mean else [])
    missing = [k for k in needed if k not in fields]
    if missing:
        fail(f"--{which}: missing {', '.join(missing)}")
    for name, number in fields.items():
        if not math.isfinite(number):
            fail(f"--{which}: {name} must be a finite number, got {number!r}")
    if fields["n"] != int(fields["n"]) or fields["n"] < 0:
        fail(f"--{which}: n must be a non-negative whole number")
    if metric == Metric.proportion and fields["sum"] != int(fields["sum"]):
        fail(f"--{which}: for a proportion, sum (the number of successes) must be a whole "
             f"number, got {fields['sum']!r}")
    if metric == Metric.proportion and not 0 <= fields["sum"] <= fields["n"]:
        fail(f"--{which}: for a proportion, sum (the number of successes) must lie in 0..n")
    if fields.get("sum_squares", 0.0) < 0:
        fail(f"--{which}: sum_squares must not be negative")
    if "sum_squares" in fields:
        from seedbed.stats.summaries import sum_squares_problem

        problem = sum_squares_problem(n=fields["n"], total=fields["sum"],
                                      sum_squares=fields["sum_squares"])
        if problem:
            fail(f"--{which}: {problem}")
    return fields


@app.command()
def compare(
    metric: Metric = typer.Option(..., help="mean or proportion"),
    control: str = typer.Option(..., help="n=..,sum=..[,sum_squares=..]"),
    treatment: str = typer.Option(..., help="n=..,sum=..[,sum_squares=..]"),
    difference: Difference = typer.Option(Difference.absolute, help="absolute or relative"),
    alpha: float = typer.Option(0.05, help="1 - confidence level"),
    sequential: bool = typer.Option(False, "--sequential", help="always-valid confidence sequence"),
    tuning: float | None = typer.Option(
        None, help="N*, the sample size where the sequence is tightest"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Compare two arms from summary statistics (Welch t, or Wald for proportions)."""
    from seedbed.stats.compare import compare_means, compare_proportions
    from seedbed.stats.sequential_ci import sequential_comparison
    from seedbed.stats.summaries import MeanSummary, ProportionSummary

    if not 0.0 < alpha < 1.0:
        fail("--alpha must lie strictly between 0 and 1")
    c = _summary(control, metric, "control")
    t = _summary(treatment, metric, "treatment")
    try:
        if metric == Metric.mean:
            res = compare_means(
                control=MeanSummary(int(c["n"]), c["sum"], c["sum_squares"]),
                treatment=MeanSummary(int(t["n"]), t["sum"], t["sum_squares"]),
                difference=difference.value,
                alpha=alpha,
            )
        else:
            res = compare_proportions(
                control=ProportionSummary(int(c["n"]), int(c["sum"])),
                treatment=ProportionSummary(int(t["n"]), int(t["sum"])),
                difference=difference.value,
                alpha=alpha,
            )
    except ValueError as exc:
        fail(str(exc))
    if sequential:
        if tuning is None:
            fail("--sequential needs --tuning N (the sample size where the sequence is tightest)")
        res = sequential_comparison(
            comparison=res, n=int(c["n"] + t["n"]), tuning=tuning, alpha=alpha
        )
    payload = {
        "effect": res.effect,
        "se": res.se,
        "ci": list(res.ci),
        "p": res.p,
        "warnings": list(res.warnings),
        "method": res.method,
        "df": res.df,
        "control_estimate": res.control_estimate,
        "treatment_estimate": res.treatment_estimate,
        "alpha": alpha,
        "sequential": sequential,
    }
    _show(payload, as_json)


@app.command()
def randomise(
    units: Path = typer.Argument(..., help="CSV file with one row per unit"),
    id_column: str = typer.Option(..., "--id", help="column holding the unit id"),
    arms: str = typer.Option(..., help="arm names, comma-separated, e.g. control,treatment"),
    strata: str | None = typer.Option(None, help="stratification columns, comma-separated"),
    cluster: str | None = typer.Option(
        None, help="column holding the cluster (randomise clusters)"
    ),
    block_sizes: str | None = typer.Option(None, help="allowed block sizes, e.g. 2,4"),
    seed: str | None = typer.Option(
        None,
        help="the secret seed, at least 128 bits (e.g. 32 random hex digits); its commitment "
        "hash is reported. Leave it out to have a strong seed drawn and printed",
    ),
    protocol_hash: str = typer.Option(
        "", help="hash of the registered protocol, for the commitment"
    ),
    out: Path = typer.Option(..., help="where to write the allocation CSV"),
    minimise: str | None = typer.Option(
        None, "--minimise",
        help="minimisation factor columns, comma-separated: allocate by Pocock-Simon "
        "minimisation in file order instead of permuted blocks",
    ),
    weights: str | None = typer.Option(
        None, help="minimisation: one weight per factor, comma-separated (default equal)"
    ),
    probability: float = typer.Option(
        0.8, help="minimisation: probability of the arm that minimises imbalance"
    ),
    measure: str = typer.Option("range", help="minimisation: imbalance measure, range or variance"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Reproducible allocation of a unit list (permuted blocks, stratified or by cluster;
    or minimisation with --minimise).

    With several --strata columns a unit's stratum is the tuple of its values, written as a
    JSON array in the output; a blank value is refused with its row and column. With
    --minimise the units are allocated in file order, each knowing the arms before it, and
    the output explains each arm (imbalance if the unit went to each arm).
    """
    if minimise:
        if strata or cluster or block_sizes:
            fail(ERR_MINIMISE_WITH_BLOCKS)
        _show(_run_minimise(units=units, id_column=id_column, arms=arms, factors=minimise,
                            weights=weights, probability=probability, measure=measure,
                            seed=seed, protocol_hash=protocol_hash, out=out), as_json)
        return
    payload = _run_randomise(
        units=units,
        id_column=id_column,
        arms=arms,
        strata=strata,
        cluster=cluster,
        block_sizes=block_sizes,
        seed=seed,
        protocol_hash=protocol_hash,
        out=out,
    )
    _show(payload, as_json)


ERR_MINIMISE_WITH_BLOCKS = (
    "--minimise allocates by minimisation: leave out --strata, --cluster and --block-sizes "
    "(list what the strata stand for as minimisation factors)"
)


def _run_minimise(
    *, units: Path, id_column: str, arms: str, factors: str, weights: str | None,
    probability: float, measure: str, seed: str | None, protocol_hash: str, out: Path,
) -> dict[str, Any]:
    """``randomise --minimise``: Pocock-Simon minimisation of the unit list in file order."""
    import csv
    import secrets

    from seedbed.stats.minimisation import BlankFactorError, marginal_imbalance, minimise
    from seedbed.stats.randomisation import ERR_SEED_OPTION, check_seed, commitment_hash

    drawn = seed is None
    seed = seed or secrets.token_hex(16)
    try:
        check_seed(seed)
    except ValueError as exc:
        fail(ERR_SEED_OPTION.format(problem=exc))
    arm_names = [a.strip() for a in arms.split(",") if a.strip()]
    factor_cols = [f.strip() for f in factors.split(",") if f.strip()]
    data, lines = _read_units(units, list(dict.fromkeys([id_column, *factor_cols])))
    ids = data[id_column]
    if not ids:
        fail(f"{units}: no units to randomise")
    if len(set(ids)) != len(ids):
        fail(f"{units}: unit ids must be unique")
    rows = list(zip(*(data[c] for c in factor_cols), strict=True))
    try:
        result = minimise(units=rows, factors=factor_cols, arms=arm_names, seed=seed,
                          weights=_floats(weights, "--weights") if weights else None,
                          probability=probability, measure=measure)
    except BlankFactorError as exc:
        fail(f"{units}: row {lines[exc.unit]} has a blank value in minimisation column "
             f"{exc.factor!r}; give every unit a level (such as 'unknown')")
    except ValueError as exc:
        fail(str(exc))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([id_column, "arm", "how", *(f"imbalance_if_{a}" for a in result.arms)])
        for unit, step in zip(ids, result.steps, strict=True):
            writer.writerow([unit, step.arm, step.kind, *(f"{g:g}" for g in step.scores)])
    labels = result.labels()
    payload: dict[str, Any] = {
        "n_units": len(ids), "arms": list(result.arms),
        "counts": {a: labels.count(a) for a in result.arms},
        "method": result.method, "factors": list(result.factors),
        "weights": list(result.weights), "probability": result.probability,
        "measure": result.measure,
        "random_element_used": sum(s.kind == "random element" for s in result.steps),
        "max_imbalance_by_factor": {
            f: max(levels.values()) for f, levels in zip(result.factors, marginal_imbalance(
                units=rows, arm_index=result.arm_index, n_arms=len(result.arms)), strict=True)},
        "seed_commitment": commitment_hash(seed=seed, protocol_hash=protocol_hash),
        "generator": "numpy PCG64 seeded with SHA-256 of the seed + '\\x1fminimisation'; "
                     "raw 64-bit stream, three uniforms per unit",
        "out": str(out), "warnings": list(result.warnings),
    }
    if drawn:
        payload["seed"] = seed
        payload["seed_note"] = (
            "seed drawn at random (128 bits): keep it secret until the trial is reported, "
            "then publish it so anyone can check the allocation"
        )
    return payload


def _read_units(path: Path, columns: list[str]) -> tuple[dict[str, list[str]], list[int]]:
    """The named columns of a unit list, and the file line of each unit."""
    import csv

    if not path.exists():
        fail(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            fail(f"{path}: the file is empty")
        missing = [c for c in columns if c not in header]
        if missing:
            fail(
                f"{path}: column(s) {', '.join(missing)} not found; columns are {', '.join(header)}"
            )
        idx = [header.index(c) for c in columns]
        data: dict[str, list[str]] = {c: [] for c in columns}
        lines: list[int] = []
        for row in reader:
            if not row:
                continue
            line_no = reader.line_num
            if len(row) < len(header):
                fail(f"{path}: row {line_no} has {len(row)} fields, expected {len(header)}")
            lines.append(line_no)
            for c, i in zip(columns, idx, strict=True):
                data[c].append(row[i])
    return data, lines


def _run_randomise(
    *,
    units: Path,
    id_column: str,
    arms: str,
    strata: str | None,
    cluster: str | None,
    block_sizes: str | None,
    seed: str | None,
    protocol_hash: str,
    out: Path,
) -> dict[str, Any]:
    import csv
    import secrets

    import numpy as np

    from seedbed.stats.allocation import balance_report
    from seedbed.stats.randomisation import (
        ERR_SEED_OPTION,
        ERR_STRATUM_BLANK_ROW,
        ERR_STRATUM_CASE_ROW,
        BlankStratumError,
        StratumCaseError,
        allocate_blocks,
        allocate_clusters,
        check_seed,
        commitment_hash,
    )

    drawn = seed is None
    if seed is None:
        seed = secrets.token_hex(16)
    try:
        check_seed(seed)
    except ValueError as exc:
        fail(ERR_SEED_OPTION.format(problem=exc))
    arm_names = [a.strip() for a in arms.split(",") if a.strip()]
    strata_cols = [s.strip() for s in strata.split(",") if s.strip()] if strata else []
    sizes = [int(v) for v in _floats(block_sizes, "--block-sizes")] if block_sizes else None
    columns = list(dict.fromkeys([id_column, *strata_cols] + ([cluster] if cluster else [])))
    data, lines = _read_units(units, columns)
    ids = data[id_column]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        dup = next(i for i in ids if i in seen or seen.add(i))  # type: ignore[func-returns-value]
        fail(f"{units}: unit ids must be unique; {dup!r} appears more than once")
    if not ids:
        fail(f"{units}: no units to randomise")
    stratum = None
    if strata_cols:
        stratum = list(zip(*(data[c] for c in strata_cols), strict=True))
    try:
        if cluster:
            alloc = allocate_clusters(
                clusters=np.array(data[cluster]),
                arms=arm_names,
                seed=seed,
                block_sizes=sizes,
                strata=stratum,
            )
        else:
            alloc = allocate_blocks(
                n=len(ids), arms=arm_names, seed=seed, block_sizes=sizes, strata=stratum
            )
    except BlankStratumError as exc:
        fail(ERR_STRATUM_BLANK_ROW.format(path=units, row=lines[exc.unit],
                                          column=strata_cols[exc.column]))
    except StratumCaseError as exc:
        fail(ERR_STRATUM_CASE_ROW.format(path=units, row=lines[exc.unit], value=exc.value,
                                         column=strata_cols[exc.column], first=exc.first,
                                         first_row=lines[exc.first_unit]))
    except ValueError as exc:
        fail(str(exc))
    labels = np.asarray(alloc.arms, dtype=object)[alloc.arm_index]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        extra = (["stratum"] if alloc.stratum is not None else []) + ([cluster] if cluster else [])
        writer.writerow([id_column, "arm", "block", *extra])
        cols = [ids, labels.tolist(), alloc.block.tolist()]
        if alloc.stratum is not None:
            cols.append(alloc.stratum_labels())
        if cluster:
            cols.append(data[cluster])
        writer.writerows(zip(*cols, strict=True))
    report = balance_report(arm_index=alloc.arm_index, arms=alloc.arms, strata=alloc.stratum)
    payload: dict[str, Any] = {
        "n_units": len(ids),
        "arms": list(alloc.arms),
        "counts": report.counts,
        "method": alloc.method,
        "max_imbalance": report.max_imbalance,
        "strata": len(report.by_stratum),
        "seed_commitment": commitment_hash(seed=seed, protocol_hash=protocol_hash),
        "generator": "numpy PCG64 seeded with SHA-256 of the seed; raw 64-bit stream",
        "out": str(out),
        "warnings": list(alloc.warnings),
    }
    if drawn:
        payload["seed"] = seed
        payload["seed_note"] = (
            "seed drawn at random (128 bits): keep it secret until the trial is reported, "
            "then publish it so anyone can check the allocation"
        )
    if cluster:
        payload["clusters"] = int(np.unique(np.array(data[cluster])).size)
    if len(report.by_stratum) <= 200:
        payload["by_stratum"] = report.by_stratum
    return payload
