"""Writing evaluations, split by noun: ``evaluation`` (starting and registering one),
``plan`` (drafting and amending its pre-registered plan), ``dataset`` (adding data),
``analysis`` (running the registered analysis), ``report`` (publishing its report) and
``case`` (adding a reported one to the library). The only code that writes evaluation
records; each service writes its audit entry."""

from seedbed.evaluations.services.analysis import evaluation_analyse
from seedbed.evaluations.services.case import evaluation_case_create
from seedbed.evaluations.services.dataset import dataset_connect, dataset_upload
from seedbed.evaluations.services.evaluation import evaluation_create, evaluation_register
from seedbed.evaluations.services.plan import plan_amend, plan_update
from seedbed.evaluations.services.report import evaluation_report

__all__ = ["dataset_connect", "dataset_upload", "evaluation_analyse", "evaluation_case_create", "evaluation_create",
           "evaluation_register", "evaluation_report", "plan_amend", "plan_update"]
