"""An evaluation's data and analysis: uploading a data set or reading one from a connected
database table, and running the registered analysis (a button on the evaluation's page)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.evaluations import selectors, services
from seedbed.evaluations.access import access_evaluation_data, access_evaluations_manage
from seedbed.evaluations.forms import AnalyseForm, DataConnectForm, DataUploadForm
from seedbed.evaluations.rules import PLAN_FIELDS, column_rows
from seedbed.evaluations.uploads import DataRejected

MESSAGE_ANALYSED = "The registered analysis has run on {filename}."


@require_http_methods(["GET", "POST"])
def dataset_upload(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    actor = access_evaluations_manage(request.user)
    evaluation = access_evaluation_data(request.user, evaluation_id)
    form = DataUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            dataset = services.dataset_upload(
                actor=actor, evaluation=evaluation, filename=upload.name,
                content=upload.chunks(), encoding=form.cleaned_data["encoding"])
        except DataRejected as problem:
            add_problems(form, problem)
            report = problem.report
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, f"{dataset.filename} accepted: {dataset.rows:,} rows "
                                      "stored. Run the analysis when you are ready.")
            return redirect("evaluations:evaluation_detail", evaluation_id=evaluation.pk)
    plan = evaluation.plan
    return render(request, "evaluations/dataset_upload.html", {
        "evaluation": evaluation, "form": form, "report": report,
        "columns": column_rows(design=evaluation.design,
                               values={name: getattr(plan, name) for name in PLAN_FIELDS}),
        "datasets": selectors.dataset_list(evaluation=evaluation),
    })


@require_http_methods(["GET", "POST"])
def dataset_connect(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    """The plan's columns from a table of one of the administrator's named connections."""
    actor = access_evaluations_manage(request.user)
    evaluation = access_evaluation_data(request.user, evaluation_id)
    offered = selectors.connected_tables()
    form = DataConnectForm(request.POST or None, offered=offered)
    report = None
    if request.method == "POST" and form.is_valid():
        connection, table = form.picked()
        try:
            dataset = services.dataset_connect(actor=actor, evaluation=evaluation,
                                               connection=connection, table=table)
        except DataRejected as problem:
            add_problems(form, ValidationProblem({"source": problem.problems["file"]}))
            report = problem.report
        except ValidationProblem as problem:
            add_problems(form, problem, rename={"connection": "source", "table": "source"})
        else:
            messages.success(request, f"{dataset.filename} accepted: {dataset.rows:,} rows "
                                      "stored. Run the analysis when you are ready.")
            return redirect("evaluations:evaluation_detail", evaluation_id=evaluation.pk)
    plan = evaluation.plan
    return render(request, "evaluations/dataset_connect.html", {
        "evaluation": evaluation, "form": form, "report": report, "offered": offered,
        "columns": column_rows(design=evaluation.design,
                               values={name: getattr(plan, name) for name in PLAN_FIELDS}),
    })


@require_http_methods(["POST"])
def evaluation_analyse(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    actor = access_evaluations_manage(request.user)
    evaluation = access_evaluation_data(request.user, evaluation_id)
    form = AnalyseForm(request.POST)
    if form.is_valid():
        try:
            result = services.evaluation_analyse(actor=actor, evaluation=evaluation)
        except ValidationProblem as problem:
            for message in problem.problems.values():
                messages.error(request, message)
        else:
            messages.success(request, MESSAGE_ANALYSED.format(filename=result.dataset.filename))
    return redirect("evaluations:evaluation_detail", evaluation_id=evaluation.pk)
