"""Writing the portfolio: the only code that writes innovations, stages, decisions and risks.

Split by noun: ``innovation`` (records, links, spend and evidence), ``lifecycle`` (stage sets
and gate decisions), ``risk`` (each innovation's register) and ``service_area`` (risk
appetite)."""

from seedbed.portfolio.services.innovation import (
    innovation_budget_add,
    innovation_create,
    innovation_create_from_award,
    innovation_evidence_record,
    innovation_link_add,
    innovation_spend_record,
    innovation_update,
)
from seedbed.portfolio.services.lifecycle import gate_decide, stage_set_create, stage_set_install
from seedbed.portfolio.services.risk import risk_close, risk_record, risks_roll_up
from seedbed.portfolio.services.service_area import service_area_appetite_set, service_area_create

__all__ = [
    "gate_decide",
    "innovation_budget_add",
    "innovation_create",
    "innovation_create_from_award",
    "innovation_evidence_record",
    "innovation_link_add",
    "innovation_spend_record",
    "innovation_update",
    "risk_close",
    "risk_record",
    "risks_roll_up",
    "service_area_appetite_set",
    "service_area_create",
    "stage_set_create",
    "stage_set_install",
]
