"""Funding models, split by noun."""

from seedbed.funding.models.awards import Award, Clawback, Instalment, Payment, Report
from seedbed.funding.models.calls import (
    MICRO_MAX_QUESTIONS,
    MICRO_MAX_WORDS,
    Answer,
    Application,
    BudgetLine,
    Call,
    Criterion,
    PanelMember,
    Question,
    Stage,
)
from seedbed.funding.models.funds import Fund, LedgerEntry, ProgrammeBudget
from seedbed.funding.models.pb import (
    PB_RULES,
    PbBallot,
    PbBallotNumber,
    PbChoice,
    PbElector,
    PbOfficer,
    PbProject,
    PbResult,
    PbRound,
    PbVoterMark,
)
from seedbed.funding.models.reviews import (
    AwardException,
    Conflict,
    Decision,
    Moderation,
    PitchSlot,
    Review,
    Score,
)

__all__ = [
    "MICRO_MAX_QUESTIONS", "MICRO_MAX_WORDS", "PB_RULES", "Answer", "Application", "Award",
    "AwardException", "BudgetLine", "Call", "Clawback", "Conflict", "Criterion", "Decision", "Fund", "Instalment",
    "LedgerEntry", "Moderation", "PanelMember", "Payment", "PbBallot", "PbBallotNumber", "PbChoice", "PbElector",
    "PbOfficer", "PbProject", "PbResult", "PbRound", "PbVoterMark", "PitchSlot", "ProgrammeBudget", "Question", "Report", "Review",
    "Score", "Stage",
]
