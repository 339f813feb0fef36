"""Writing the library, split by noun: ``case`` (cases from trials, probes, evaluations and
external evidence; publishing; evidence overrides) and ``attachment`` (the files published with a
case). The only code that writes library records."""

from seedbed.library.services.attachment import attachment_add
from seedbed.library.services.case import (
    EvaluationFinding,
    case_create,
    case_create_from_evaluation,
    case_create_from_probe,
    case_create_from_trial,
    case_evidence_override,
    case_publish,
)

__all__ = [
    "EvaluationFinding",
    "attachment_add",
    "case_create",
    "case_create_from_evaluation",
    "case_create_from_probe",
    "case_create_from_trial",
    "case_evidence_override",
    "case_publish",
]
