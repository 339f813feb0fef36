"""The evaluations' models, one module per noun: the evaluation with its design and status
enums, its pre-registered plan and the plan's frozen versions, and its data sets and
result."""

from seedbed.evaluations.models.analysis import EvaluationDataset, EvaluationResult
from seedbed.evaluations.models.evaluation import Design, Evaluation
from seedbed.evaluations.models.plan import Control, Plan, PlanVersion

__all__ = ["Control", "Design", "Evaluation", "EvaluationDataset", "EvaluationResult", "Plan",
           "PlanVersion"]
