"""The portfolio's rules, pure (no database, no request): the lifecycle presets, whether an
innovation's evidence opens a gate, and how an organisation takes part in an innovation.

The presets are Seedbed's default, the Nesta innovation spiral and the OPSI lifecycle. Each
stage carries an exit checklist, the evidence it asks for, the Nesta evidence level needed to
enter it, and the tools-and-methods matrix as prompts (teams and meetings, finance, people
and skills, alliances and networks, organisational form). The ``stage_set_install`` service
writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seedbed.accounts.models import Organisation
from seedbed.portfolio.models import Innovation, InnovationOrganisation


@dataclass(frozen=True)
class StageSpec:
    slug: str
    name: str
    description: str
    exit_checklist: tuple[str, ...] = ()
    evidence_asked: str = ""
    min_evidence_level: int = 0
    methods: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StageSetSpec:
    slug: str
    name: str
    kind: str
    description: str
    stages: tuple[StageSpec, ...]


DEFAULT = StageSetSpec(
    slug="seedbed-default",
    name="Seedbed lifecycle",
    kind="default",
    description="Latent, design and discovery, mobilisation, mainstreaming, embedding.",
    stages=(
        StageSpec(
            "latent", "Latent",
            "A need or idea has been noticed but nobody is working on it yet.",
            ("The problem is described in the words of the people who have it",
             "An owner has agreed to explore it"),
            "Who has the problem, how many, and what it costs today.",
            0,
            {"teams_and_meetings": "Who needs to be in the room to say this problem is real?",
             "finance": "What does the problem cost now, and who pays?",
             "people_and_skills": "Who has lived experience of the problem?",
             "alliances_and_networks": "Which residents, staff or providers raised it?",
             "organisational_form": "Can this be explored inside normal line management?"},
        ),
        StageSpec(
            "design-discovery", "Design and discovery",
            "Understanding the problem and shaping options; small safe-to-fail probes.",
            ("A theory of change is written down",
             "At least one probe or prototype has been tried",
             "Risks are in the register"),
            "An account of why it should work (Nesta level 1), and what probes showed.",
            0,
            {"teams_and_meetings": "A small mixed team with a weekly stand-up and a fortnightly show-and-tell.",
             "finance": "Seed money from the experimentation fund; spend in small tranches.",
             "people_and_skills": "Design, research and frontline time; who can run a probe?",
             "alliances_and_networks": "Which providers and community groups co-design it?",
             "organisational_form": "A protected space (a lab or a sprint) outside business as usual."},
        ),
        StageSpec(
            "mobilisation", "Mobilisation",
            "Testing properly: a registered trial or evaluation, resourced and governed.",
            ("A protocol is registered or an evaluation plan agreed",
             "Data sharing and safeguarding are signed off",
             "Before-and-after data are being collected"),
            "Data showing change (Nesta level 2); a comparison group where possible.",
            0,
            {"teams_and_meetings": "A trial steering group with a safety lead; monthly monitoring.",
             "finance": "Project budget with a named budget holder; cost per outcome tracked.",
             "people_and_skills": "Analyst support; training for frontline staff who enrol people.",
             "alliances_and_networks": "Partners who will run the comparison arm or share data.",
             "organisational_form": "A project with a sponsor on the service's leadership team."},
        ),
        StageSpec(
            "mainstreaming", "Mainstreaming",
            "Making it part of the service: budgets, processes and commissioning change.",
            ("The decision to mainstream is minuted",
             "Recurring budget is identified",
             "Commissioning or process changes are scheduled"),
            "Causal evidence of effect (Nesta level 3) or a recorded exception with reasons.",
            3,
            {"teams_and_meetings": "Hand over from the project team to the service's own meetings.",
             "finance": "Move from fund money to the base budget; count the savings.",
             "people_and_skills": "Job descriptions and training updated; champions in each team.",
             "alliances_and_networks": "Commissioners and providers agree the new contract terms.",
             "organisational_form": "Business as usual in the line; the lab steps back."},
        ),
        StageSpec(
            "embedding", "Embedding",
            "The new way is how things are done; it is monitored and spread to others.",
            ("Outcomes are in the service's routine performance reports",
             "A manual or guide lets others replicate it"),
            "Replication or consistent delivery at scale (Nesta levels 4-5).",
            3,
            {"teams_and_meetings": "Routine performance review; an annual look at whether it still works.",
             "finance": "Base budget; savings reinvested in the experimentation fund.",
             "people_and_skills": "Induction covers it; practice leads keep fidelity.",
             "alliances_and_networks": "Share through the library and sector networks.",
             "organisational_form": "Part of the standard operating model."},
        ),
    ),
)

NESTA_SPIRAL = StageSetSpec(
    slug="nesta-spiral",
    name="Nesta innovation spiral",
    kind="nesta_spiral",
    description="The seven stages of the Nesta innovation spiral.",
    stages=tuple(
        StageSpec(slug, name, description, checklist, evidence, level)
        for slug, name, description, checklist, evidence, level in (
            ("exploring", "Exploring opportunities and challenges", "Understanding the problem.",
             ("The problem is framed",), "Data on the size of the problem.", 0),
            ("generating-ideas", "Generating ideas", "Many ideas from many people.",
             ("Ideas gathered from residents and staff",), "", 0),
            ("developing-testing", "Developing and testing", "Prototypes and trials.",
             ("Prototype tested",), "Level 1-2 evidence.", 0),
            ("making-the-case", "Making the case", "Evidence for decision makers.",
             ("Business case written",), "Level 2 evidence.", 2),
            ("delivering", "Delivering and implementing", "Running it for real.",
             ("Implementation plan agreed",), "", 2),
            ("growing", "Growing, scaling and spreading", "More places, more people.",
             ("Spread plan agreed",), "Level 3 evidence.", 3),
            ("changing-systems", "Changing systems", "The wider system changes around it.",
             (), "Levels 4-5 evidence.", 3),
        )
    ),
)

OPSI = StageSetSpec(
    slug="opsi-lifecycle",
    name="OPSI innovation lifecycle",
    kind="opsi",
    description="The OECD Observatory of Public Sector Innovation's lifecycle.",
    stages=tuple(
        StageSpec(slug, name, description, checklist, evidence, level)
        for slug, name, description, checklist, evidence, level in (
            ("identifying-problems", "Identifying problems", "Finding and framing the problem.",
             ("Problem statement agreed",), "", 0),
            ("generating-ideas", "Generating ideas", "Options for solving it.", ("Ideas shortlisted",), "", 0),
            ("developing-proposals", "Developing proposals", "Turning ideas into tested proposals.",
             ("Proposal tested with users",), "Level 1 evidence.", 0),
            ("implementing", "Implementing projects", "Doing it.", ("Project delivered",), "Level 2 evidence.", 0),
            ("evaluating", "Evaluating projects", "Did it work?", ("Evaluation published",), "Level 2-3 evidence.", 2),
            ("diffusing", "Diffusing lessons", "Spreading what was learnt.", (), "Level 3 evidence.", 3),
        )
    ),
)

PRESETS: dict[str, StageSetSpec] = {spec.slug: spec for spec in (DEFAULT, NESTA_SPIRAL, OPSI)}


def evidence_meets(innovation: Innovation, needed: int) -> bool:
    """True when the innovation's best evidence reaches ``needed`` and found a positive effect."""
    if needed <= 0:
        return True
    return innovation.evidence_level >= needed and innovation.evidence_direction == "positive"


PART_BY_KIND = {"provider": InnovationOrganisation.Part.PROVIDER, "community": InnovationOrganisation.Part.COMMUNITY}


def involvement_part(organisation: Organisation) -> str:
    """How an organisation takes part when a lead adds it: providers provide, community groups
    are the community, anyone else is a partner (commissioners come from awards)."""
    return PART_BY_KIND.get(organisation.kind, InnovationOrganisation.Part.PARTNER)
