"""Probes and trials: protocols, risks and safeguards, allocations, monitoring and results.

Two kinds of test share one family of safeguard records (risk items, stopping rules and a
named safety lead): a *probe* (safe-to-fail, small and fast) and a *trial* (a registered
protocol with concealed randomisation and harm monitoring).

Personal data: ``Allocation.unit_ref`` and ``SafetyEvent.unit_ref`` hold the service's own
pseudonymous reference for a person or cluster, never a name; ``SafetyEvent.description``
is free text written by staff and is erased with the trial's data on request. Staff are
referenced by foreign key. Export: a trial's records are exported as its registry page,
its published result and (for the safety lead) the monitoring table.
"""

from seedbed.trials.models.allocation import Allocation, Participant
from seedbed.trials.models.connection import DataConnection
from seedbed.trials.models.monitoring import InterimLook, SafetyDecision, SafetyEvent, Severity
from seedbed.trials.models.probe import Probe, ProbeOutcome
from seedbed.trials.models.protocol import (
    Design,
    HarmOutcome,
    OutcomeType,
    Protocol,
    ProtocolVersion,
    RandomisationMethod,
    Spending,
)
from seedbed.trials.models.result import OutcomeDataset, TrialResult
from seedbed.trials.models.risk import RiskItem, RiskLevel, StoppingRule
from seedbed.trials.models.trial import NOTIFICATION_APP, StopReason, Trial

__all__ = [
    "NOTIFICATION_APP", "Allocation", "DataConnection", "Design", "HarmOutcome", "InterimLook",
    "OutcomeDataset", "OutcomeType", "Participant", "Probe", "ProbeOutcome", "Protocol",
    "ProtocolVersion", "RandomisationMethod", "RiskItem", "RiskLevel", "SafetyDecision", "SafetyEvent", "Severity",
    "Spending", "StopReason", "StoppingRule", "Trial", "TrialResult",
]
