"""The public registration of a trial: its fields in plain English, the machine-readable
export and the SPIRIT 2013 checklist.

Everything here reads a frozen protocol version's ``content`` (``selectors.protocol_content``:
{"title", "protocol": {field: value}, "harm_outcomes", "stopping_rules", ...}) and never the
working protocol, so the registry shows what was hashed. Versions frozen before a field
existed lack it: the page says "Not stated" and the export gives null.

The export's shape is documented by ``docs/schemas/trial-registration.schema.json`` (JSON
Schema draft 2020-12) and ``docs/trial-registration-export.md``; a field added here must be
added to both (the schema forbids properties it does not name).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seedbed.trials.models import Design, OutcomeType, RandomisationMethod, Spending
from seedbed.trials.rules import (
    CONCEALED_UNTIL_ENDED,
    describe_minimisation_field,
    describe_power,
    parse_block_sizes,
    parse_minimisation_factors,
    parse_minimisation_weights,
    secondary_outcome_entries,
)

NOT_STATED = "Not stated"
NOT_REGISTERED = "This trial is a draft: it has no registration yet."
CONCEALED_TEXT = ("Concealed until recruitment ends, so that nobody can work out the next "
                  "allocation")
EXPORT_VERSION = 1

# section, ((field, label), ...): the order of the registry page.
SECTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("The question", (
        ("question", "Question"), ("population", "Population and eligibility"),
        ("setting", "Setting"), ("intervention", "Intervention"), ("comparator", "Comparator"),
    )),
    ("Outcomes", (
        ("primary_outcome", "Primary outcome"),
        ("primary_outcome_measure", "How the primary outcome is measured"),
        ("primary_outcome_timepoint", "When the primary outcome is measured"),
        ("outcome_type", "Type of primary outcome"),
        ("higher_is_better", "Which way is better"),
        ("secondary_outcomes", "Secondary outcomes"),
        ("cost_measures", "Cost measures"),
    )),
    ("Dates", (
        ("start_date", "Trial starts on"), ("recruitment_end_date", "Recruitment ends on"),
        ("follow_up_end_date", "Follow-up ends on"),
    )),
    ("Design and randomisation", (
        ("design", "Design"), ("randomisation_unit", "Randomisation unit"), ("arms", "Arms"),
        ("randomisation_method", "Randomisation method"), ("strata", "Strata"),
        ("block_sizes", "Block sizes"), ("minimisation_factors", "Minimisation factors"),
        ("minimisation_weights", "Minimisation weights"),
        ("minimisation_probability", "Probability of the arm that keeps the groups most alike"),
        ("clusters", "Clusters"), ("steps", "Steps"), ("cluster_size", "Average cluster size"),
        ("icc", "Intra-cluster correlation"), ("first_period_start", "First period starts on"),
        ("period_days", "Period length"),
    )),
    ("Sample size and monitoring", (
        ("power_calculation", "Power calculation"),
        ("sample_size_per_arm", "Sample size per arm"),
        ("effect_size", "Smallest effect worth detecting"),
        ("p_control", "Expected proportion in the control arm"),
        ("p_treatment", "Expected proportion in the intervention arm"),
        ("alpha", "Significance level"), ("power", "Power"), ("sides", "Sides of the test"),
        ("interim_looks", "Planned looks (interim and final)"),
        ("efficacy_looks", "Looks that check for benefit"),
        ("futility_looks", "Looks that check for futility"),
        ("spending", "Alpha spending"),
    )),
    ("Analysis", (
        ("analysis_plan", "Analysis plan"),
        ("missing_data_plan", "How missing outcome data will be handled"),
        ("subgroups", "Pre-specified subgroups (equity)"),
        ("outcome_column", "Outcome column in the data file"),
        ("cost_column", "Cost column in the data file"),
    )),
    ("Safety", (
        ("safeguarding_plan", "Safeguarding plan"), ("harm_outcomes", "Harm outcomes"),
        ("stopping_rules", "Stopping rules"),
    )),
    ("Funding, interests, data sharing and ethics", (
        ("funding_source", "Funding"), ("conflicts_of_interest", "Conflicts of interest"),
        ("data_sharing_statement", "Data sharing"),
        ("ethics_reference", "Ethics or DPIA reference"),
        ("data_protection_basis", "Data protection basis"),
    )),
)
LABELS = {name: label for _, fields in SECTIONS for name, label in fields}
SECTION_OF = {name: section for section, fields in SECTIONS for name, _ in fields}
# Kept with the trial's content rather than in ``protocol``.
TRIAL_LEVEL = ("harm_outcomes", "stopping_rules")

CLUSTER_FIELDS = ("clusters", "cluster_size", "icc")
WEDGE_FIELDS = ("steps", "first_period_start", "period_days")
MINIMISATION_ONLY = ("minimisation_factors", "minimisation_weights", "minimisation_probability")

BOOLEAN_WORDS = {
    "higher_is_better": ("A higher primary outcome is better", "A lower primary outcome is better"),
    "efficacy_looks": ("Yes: the trial may stop early if the intervention is clearly working",
                       "No: the looks check for harm only"),
    "futility_looks": ("Yes, as advice only: the trial may carry on",
                       "No: the looks do not check whether the intervention is unlikely to work"),
}
CHOICES: dict[str, Any] = {
    "outcome_type": OutcomeType, "design": Design, "randomisation_method": RandomisationMethod,
    "spending": Spending,
}


def applies(name: str, protocol: dict[str, Any]) -> bool:
    """Whether a field is part of this design's registration (a cluster's ICC is not asked of
    an individually randomised trial, nor block sizes of a minimised one)."""
    design = protocol.get("design") or Design.INDIVIDUAL
    minimised = protocol.get("randomisation_method") == RandomisationMethod.MINIMISATION
    binary = protocol.get("outcome_type") == OutcomeType.BINARY
    if name in CLUSTER_FIELDS:
        return design in (Design.CLUSTER, Design.STEPPED_WEDGE)
    if name in WEDGE_FIELDS:
        return design == Design.STEPPED_WEDGE
    if name in MINIMISATION_ONLY:
        return minimised
    if name == "strata":
        return design == Design.INDIVIDUAL and not minimised
    if name == "block_sizes":
        return design != Design.STEPPED_WEDGE and not minimised
    if name == "effect_size":
        return not binary
    if name in ("p_control", "p_treatment"):
        return binary
    return True


def _date_text(value: Any) -> str:
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day.day} {day:%B %Y}"


def _number(value: Any) -> str:
    return f"{float(value):g}"


def _choice_label(name: str, value: Any) -> str:
    try:
        return str(CHOICES[name](value).label)
    except ValueError:
        return str(value)


def _outcome_line(entry: dict[str, str]) -> str:
    measure = entry["measure"] or "how it is measured not stated"
    when = entry["timepoint"] or "when not stated"
    return f"{entry['name'] or NOT_STATED}: measured by {measure}; {when}"


def _harm_line(harm: dict[str, Any]) -> str:
    return (f"{harm.get('name', '')}: {harm.get('definition', '')} (stops for harm at a one-sided "
            f"level of {_number(harm.get('boundary_alpha', 0.05))}, "
            f"{_choice_label('spending', harm.get('boundary_spending')).split(' (')[0]} "
            f"spending)")


FORMATTERS: dict[str, Callable[[Any], str]] = {
    "start_date": _date_text, "recruitment_end_date": _date_text,
    "follow_up_end_date": _date_text, "first_period_start": _date_text,
    "secondary_outcomes": lambda v: "\n".join(_outcome_line(e) for e in secondary_outcome_entries(v)),
    "power_calculation": describe_power,
    "sample_size_per_arm": lambda v: f"{v} units per arm",
    "effect_size": lambda v: f"{_number(v)} standard deviations",
    "power": lambda v: f"{float(v):.0%}",
    "sides": lambda v: "Two-sided" if int(v) == 2 else "One-sided",
    "period_days": lambda v: f"{v} days",
    "steps": lambda v: f"{v} steps",
    "cluster_size": lambda v: f"{v} people",
    "arms": lambda v: ", ".join(a.strip() for a in str(v).split(",") if a.strip()),
    "harm_outcomes": lambda v: "\n".join(_harm_line(h) for h in v),
    "stopping_rules": lambda v: "\n".join(str(r) for r in v),
}


def _stated(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | dict):
        return bool(value)
    return value is not None


def describe_field(name: str, value: Any) -> str:
    """A registered field's value in plain English ("Not stated" when empty)."""
    if name == "secondary_outcomes" and not secondary_outcome_entries(value):
        return NOT_STATED
    if name == "minimisation_weights" and value is not None:
        return describe_minimisation_field(name, value)
    if not _stated(value):
        return NOT_STATED
    if name in BOOLEAN_WORDS:
        return BOOLEAN_WORDS[name][0 if value else 1]
    if name in CHOICES:
        return _choice_label(name, value)
    if name in ("minimisation_factors", "minimisation_probability"):
        return describe_minimisation_field(name, value)
    if name in FORMATTERS:
        return FORMATTERS[name](value)
    if isinstance(value, float):
        return _number(value)
    return str(value)


def _value(content: dict[str, Any], name: str) -> Any:
    if name in TRIAL_LEVEL:
        return content.get(name) or []
    return (content.get("protocol") or {}).get(name)


def registration_sections(
    content: dict[str, Any], *, conceal: bool
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The registered protocol by section: [(section, [(label, plain text)])], with the fields
    that help predict allocations concealed while the trial recruits (``conceal``), and only
    the fields this design asks for. Fields of the content that this module does not know are
    listed at the end under "Other", so nothing registered goes unseen."""
    protocol = content.get("protocol") or {}
    sections = []
    for section, fields in SECTIONS:
        rows = []
        for name, label in fields:
            if not applies(name, protocol):
                continue
            if conceal and name in CONCEALED_UNTIL_ENDED:
                rows.append((label, CONCEALED_TEXT))
            else:
                rows.append((label, describe_field(name, _value(content, name))))
        sections.append((section, rows))
    unknown = [n for n in protocol if n not in LABELS]
    if unknown:
        sections.append(("Other", [(n.replace("_", " ").capitalize(),
                                    describe_field(n, protocol[n])) for n in unknown]))
    return sections


def registration_rows(content: dict[str, Any], *, conceal: bool) -> dict[str, str]:
    """The registration as one list, label -> plain text, the title first (for comparing
    versions side by side)."""
    rows = {"Title": str(content.get("title", "")) or NOT_STATED}
    for _, section_rows in registration_sections(content, conceal=conceal):
        rows.update(section_rows)
    return rows


# --- the machine-readable export ---------------------------------------------------------------

def _text_or_null(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _list_or_null(text: Any, *, lines: bool = False) -> list[str] | None:
    parts = str(text or "").splitlines() if lines else str(text or "").split(",")
    items = [p.strip() for p in parts if p.strip()]
    return items or None


def _date_or_null(value: Any) -> str | None:
    if not value:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _float_or_null(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)


def _int_or_null(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


TEXT_FIELDS = (
    "question", "population", "setting", "intervention", "comparator", "primary_outcome",
    "primary_outcome_measure", "primary_outcome_timepoint", "cost_measures",
    "randomisation_unit", "analysis_plan", "missing_data_plan", "safeguarding_plan",
    "funding_source", "conflicts_of_interest", "data_sharing_statement", "ethics_reference",
    "data_protection_basis", "outcome_column", "cost_column",
)
DATE_FIELDS = ("start_date", "recruitment_end_date", "follow_up_end_date", "first_period_start")
NUMBER_FIELDS = ("icc", "effect_size", "p_control", "p_treatment", "alpha", "power",
                 "minimisation_probability")
INTEGER_FIELDS = ("steps", "cluster_size", "period_days", "sides", "interim_looks",
                  "sample_size_per_arm")
CHOICE_FIELDS = ("outcome_type", "design", "randomisation_method", "spending")
BOOLEAN_FIELDS = ("higher_is_better", "efficacy_looks", "futility_looks")


def _export_value(name: str, value: Any) -> Any:
    if name in TEXT_FIELDS:
        return _text_or_null(value)
    if name in DATE_FIELDS:
        return _date_or_null(value)
    if name in NUMBER_FIELDS:
        return _float_or_null(value)
    if name in INTEGER_FIELDS:
        return _int_or_null(value)
    if name in CHOICE_FIELDS:
        return value or None
    if name in BOOLEAN_FIELDS:
        return None if value is None else bool(value)
    if name in ("arms", "strata", "subgroups"):
        return _list_or_null(value)
    if name == "clusters":
        return _list_or_null(value, lines=True)
    if name == "block_sizes":
        return parse_block_sizes(str(value or "")) or None
    if name == "minimisation_factors":
        factors = parse_minimisation_factors(str(value or "")) or []
        return [{"name": n, "levels": levels} for n, levels in factors] or None
    if name == "minimisation_weights":  # read with its factors: ``registration_export``
        return None
    if name == "secondary_outcomes":
        return [{k: entry[k] or None for k in entry} for entry in secondary_outcome_entries(value)]
    if name == "power_calculation":
        return describe_power(value or {}) if value else None
    raise KeyError(name)


EXPORT_FIELDS = tuple(n for n in LABELS if n not in TRIAL_LEVEL)


@dataclass(frozen=True)
class RegistrationFacts:
    """What the export says about the trial besides its frozen content."""

    id: int
    url: str
    status: str
    status_text: str
    organisation: str
    registered_at: dt.datetime | None
    seed_commitment: str
    seed: str | None
    stopped_for: str
    stopped_at: dt.datetime | None
    versions: list[dict[str, Any]]  # {"number", "frozen_at", "reason", "content_hash"}


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def registration_export(
    content: dict[str, Any], *, facts: RegistrationFacts, conceal: bool
) -> dict[str, Any]:
    """The registration as JSON-ready data (see the module docstring for its schema).

    Values are machine-readable: choices as their codes, dates as ISO 8601, lists as arrays,
    null where nothing was stated, where the design does not use the field, or where it is
    concealed while the trial recruits (then also named in ``concealed``)."""
    protocol = content.get("protocol") or {}
    concealed = sorted(n for n in CONCEALED_UNTIL_ENDED if conceal and applies(n, protocol))
    registration = {
        name: (_export_value(name, protocol.get(name))
               if applies(name, protocol) and name not in concealed else None)
        for name in EXPORT_FIELDS
    }
    factors = parse_minimisation_factors(str(protocol.get("minimisation_factors") or "")) or []
    if registration["minimisation_factors"] and "minimisation_weights" not in concealed:
        registration["minimisation_weights"] = parse_minimisation_weights(
            str(protocol.get("minimisation_weights") or ""), len(factors))
    first = facts.versions[0] if facts.versions else {}
    return {
        "export_version": EXPORT_VERSION,
        "id": facts.id,
        "url": facts.url,
        "title": str(content.get("title", "")),
        "organisation": facts.organisation,
        "status": facts.status,
        "status_text": facts.status_text,
        "registered_at": _when(facts.registered_at),
        "protocol_hash": first.get("content_hash", ""),
        "seed_commitment": facts.seed_commitment,
        "seed": facts.seed,
        "stopped_for": facts.stopped_for or None,
        "stopped_at": _when(facts.stopped_at),
        "versions": [
            {"number": v["number"], "frozen_at": _when(v["frozen_at"]),
             "reason": v["reason"] or None, "content_hash": v["content_hash"]}
            for v in facts.versions
        ],
        "concealed": concealed,
        "registration": registration,
        "harm_outcomes": [
            {"name": h.get("name", ""), "definition": h.get("definition", ""),
             "boundary_alpha": float(h.get("boundary_alpha", 0.05)),
             "boundary_spending": h.get("boundary_spending") or Spending.POCOCK}
            for h in content.get("harm_outcomes") or []
        ],
        "stopping_rules": [str(r) for r in content.get("stopping_rules") or []],
    }


# --- the SPIRIT 2013 checklist --------------------------------------------------------------------
#
# The SPIRIT 2013 items a registration answers (Chan et al., Ann Intern Med 2013;158:200-207),
# in our own words, each with the registered fields that answer it. Items Seedbed answers by
# how it runs every trial (where it is registered, how allocation is concealed, how amendments
# are kept) say so in ``SEEDBED_ANSWERS``.

@dataclass(frozen=True)
class SpiritItem:
    number: str
    topic: str
    asks: str
    fields: tuple[str, ...] = ()


SPIRIT_ITEMS: tuple[SpiritItem, ...] = (
    SpiritItem("1", "Title", "A title that says what is tried, with whom, and how it is tested",
               ("title",)),
    SpiritItem("2a", "Trial registration", "The registry the trial is on and its number there"),
    SpiritItem("3", "Protocol version", "Which version of the protocol this is, and its date"),
    SpiritItem("4", "Funding", "Who pays for the trial, and any other support it has",
               ("funding_source",)),
    SpiritItem("6a", "Background and rationale", "The question and why it is worth answering",
               ("question",)),
    SpiritItem("6b", "Choice of comparator", "What the comparison group receives",
               ("comparator",)),
    SpiritItem("8", "Trial design", "The kind of trial, its arms and the unit that is randomised",
               ("design", "arms", "randomisation_unit")),
    SpiritItem("9", "Setting", "Where the trial runs", ("setting",)),
    SpiritItem("10", "Eligibility", "Who can take part and who cannot", ("population",)),
    SpiritItem("11a", "Interventions", "What each arm receives, in enough detail to repeat it",
               ("intervention", "comparator")),
    SpiritItem("12", "Outcomes", "Each outcome, how it is measured and at what time",
               ("primary_outcome", "primary_outcome_measure", "primary_outcome_timepoint",
                "secondary_outcomes")),
    SpiritItem("13", "Timeline", "When the trial starts, when recruitment ends and when the "
               "last outcome is measured",
               ("start_date", "recruitment_end_date", "follow_up_end_date")),
    SpiritItem("14", "Sample size", "How many units are needed and how that number was worked out",
               ("power_calculation", "sample_size_per_arm")),
    SpiritItem("16a", "Sequence generation", "How the allocation is drawn, including any "
               "stratification or minimisation",
               ("randomisation_method", "strata", "minimisation_factors")),
    SpiritItem("16b", "Allocation concealment", "How the next allocation is kept from those "
               "who enrol units"),
    SpiritItem("20a", "Statistical methods", "How the outcomes will be compared between arms",
               ("analysis_plan",)),
    SpiritItem("20b", "Further analyses", "Subgroup and adjusted analyses planned in advance",
               ("subgroups",)),
    SpiritItem("20c", "Missing data", "How units without an outcome are handled in the analysis",
               ("missing_data_plan",)),
    SpiritItem("21b", "Interim analyses and stopping", "When the data are looked at before the "
               "end, and the rules for stopping early",
               ("interim_looks", "efficacy_looks", "futility_looks", "spending",
                "stopping_rules")),
    SpiritItem("22", "Harms", "Which harms are watched for and how they are handled",
               ("harm_outcomes", "safeguarding_plan")),
    SpiritItem("24", "Ethics approval", "The ethics approval or data protection impact "
               "assessment, with its reference", ("ethics_reference",)),
    SpiritItem("25", "Protocol amendments", "How changes to the protocol are recorded and made "
               "known"),
    SpiritItem("27", "Confidentiality", "How personal information is protected, and on what "
               "legal basis it is used", ("data_protection_basis",)),
    SpiritItem("28", "Declaration of interests", "Interests of those running the trial that "
               "could bias it", ("conflicts_of_interest",)),
    SpiritItem("31c", "Data sharing", "What will be shared after the trial (protocol, data, "
               "code) and how", ("data_sharing_statement",)),
)

SEEDBED_ANSWERS = {
    "2a": "On this registry (Seedbed trials registry), trial number {id}, registered on {registered}.",
    "3": "Version {version} of the protocol, frozen on {frozen}; its SHA-256 hash is on the "
         "registry page.",
    "16b": "Seedbed draws the whole sequence from a secret seed at registration and shows each "
           "arm only when a unit is enrolled; the seed's hash is published now and the seed "
           "with the result.",
    "25": "Every amendment is a new frozen version with its reason, shown beside what was "
          "registered on the registry, and written to the audit log.",
}


def spirit_checklist(
    content: dict[str, Any], *, facts: RegistrationFacts
) -> list[dict[str, Any]]:
    """Each SPIRIT 2013 item a registration answers, with where it is answered: [{"number",
    "topic", "asks", "answers": [(section, label)], "seedbed": text, "stated": bool}]."""
    protocol = content.get("protocol") or {}
    latest = facts.versions[-1] if facts.versions else {}
    words = {
        "id": facts.id,
        "registered": _date_text(facts.registered_at.date()) if facts.registered_at else NOT_STATED,
        "version": latest.get("number", 1),
        "frozen": _date_text(latest["frozen_at"].date()) if latest.get("frozen_at") else NOT_STATED,
    }
    items = []
    for item in SPIRIT_ITEMS:
        answers = []
        for name in item.fields:
            if name == "title":
                if str(content.get("title", "")).strip():
                    answers.append(("Registration", "Title"))
                continue
            if applies(name, protocol) and _stated(_value(content, name)) and (
                    name != "secondary_outcomes" or secondary_outcome_entries(_value(content, name))):
                answers.append((SECTION_OF[name], LABELS[name]))
        seedbed = SEEDBED_ANSWERS[item.number].format(**words) if item.number in SEEDBED_ANSWERS else ""
        items.append({"number": item.number, "topic": item.topic, "asks": item.asks,
                      "answers": answers, "seedbed": seedbed,
                      "stated": bool(answers or seedbed)})
    return items
