"""Writing evaluations, split by noun: ``evaluation`` (starting and registering one),
``plan`` (drafting and amending its pre-registered plan) and ``case`` (adding a reported one
to the library). The only code that writes
evaluation records; each service writes its audit entry."""

from seedbed.evaluations.services.case import evaluation_case_create
from seedbed.evaluations.services.evaluation import evaluation_create, evaluation_register
from seedbed.evaluations.services.plan import plan_amend, plan_update

__all__ = ["evaluation_case_create", "evaluation_create", "evaluation_register", "plan_amend",
           "plan_update"]
