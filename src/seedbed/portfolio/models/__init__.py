"""The portfolio's models, one module per noun: lifecycles (stage sets and stages), service
areas and their risk appetite, innovations (with the organisations involved and their
links), gate decisions and risks."""

from seedbed.portfolio.models.decision import GateDecision
from seedbed.portfolio.models.innovation import (
    EfficiencyTag,
    Innovation,
    InnovationLink,
    InnovationOrganisation,
    Typology,
)
from seedbed.portfolio.models.lifecycle import METHOD_AREAS, Stage, StageSet
from seedbed.portfolio.models.risk import Risk
from seedbed.portfolio.models.service_area import APPETITE_LIMITS, Appetite, ServiceArea

__all__ = [
    "APPETITE_LIMITS",
    "METHOD_AREAS",
    "Appetite",
    "EfficiencyTag",
    "GateDecision",
    "Innovation",
    "InnovationLink",
    "InnovationOrganisation",
    "Risk",
    "ServiceArea",
    "Stage",
    "StageSet",
    "Typology",
]
