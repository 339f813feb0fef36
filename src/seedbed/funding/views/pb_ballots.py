"""Participatory budgeting, paper side: the register of ballot numbers (issue, print, CSV), the
round's ballot officers, and matching residents' accounts to the council's register."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from seedbed.core.errors import AccessDenied, ValidationProblem
from seedbed.core.exports import export_writer
from seedbed.funding import forms, selectors
from seedbed.funding.access import (
    access_actor,
    access_funding_manage,
    access_pb_manage,
    access_pb_numbers,
    is_funding_manager,
)
from seedbed.funding.models import PbElector, PbRound
from seedbed.funding.rules import number_display
from seedbed.funding.services import pb_voting as voting
from seedbed.funding.views.common import run_form
from seedbed.funding.views.pb import _manage_context

DENIED_OFFICER_RECORD = "There is no such ballot officer in this round."
ERROR_NO_ACCOUNT = "No active account has that email address"


def _register_rows(round_: PbRound) -> list[dict]:
    return [{"number": number_display(n.number), "batch": n.batch, "used": used}
            for n, used in selectors.pb_ballot_register(pb_round=round_)]


@require_http_methods(["GET"])
@never_cache
def pb_numbers(request: HttpRequest, round_id: int) -> HttpResponse:
    """The printable register of the round's issued ballot numbers (managers and officers)."""
    round_ = access_pb_numbers(request.user, round_id)
    manager = is_funding_manager(request.user)
    return render(request, "funding/pb_numbers.html", {
        "round": round_, "rows": _register_rows(round_), "manager": manager,
        "form": forms.BallotNumbersIssueForm() if manager else None,
    })


@require_http_methods(["GET"])
@never_cache
def pb_numbers_csv(request: HttpRequest, round_id: int) -> HttpResponse:
    """The register as CSV, to print ballot papers from (round, batch, ballot number)."""
    round_ = access_pb_numbers(request.user, round_id)
    out = io.StringIO()
    writer = export_writer(out, lineterminator="\r\n")
    writer.writerow(["round", "batch", "ballot_number"])
    for number in selectors.pb_ballot_number_list(pb_round=round_):
        writer.writerow([round_.pk, number.batch, number_display(number.number)])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="seedbed-pb-round-{round_.pk}-ballot-numbers.csv"'
    return response


@require_POST
def pb_numbers_issue(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = access_pb_manage(request.user, round_id)
    form = forms.BallotNumbersIssueForm(request.POST)
    return run_form(request, form, lambda d: voting.pb_ballot_numbers_issue(pb_round=round_, count=d["count"],
                                                                          actor=access_actor(request.user)),
                    success="Ballot numbers issued. Print them on the ballot papers.",
                    redirect_to=reverse("funding:pb_numbers", args=[round_.pk]), template="funding/pb_numbers.html",
                    context={"round": round_, "rows": _register_rows(round_), "manager": True})


@require_POST
def pb_officer_assign(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = access_pb_manage(request.user, round_id)
    form = forms.PbOfficerForm(request.POST, prefix="officer", manager=request.user)
    context = _manage_context(round_, request.user)
    context["officer_form"] = form
    return run_form(request, form, lambda d: voting.pb_officer_assign(pb_round=round_, user=d["user"], actor=access_actor(request.user)),
                    success="Ballot officer assigned.", redirect_to=reverse("funding:pb_manage", args=[round_.pk]),
                    template="funding/pb_manage.html", context=context)


@require_POST
def pb_officer_withdraw(request: HttpRequest, round_id: int, officer_id: int) -> HttpResponse:
    round_ = access_pb_manage(request.user, round_id)
    officer = selectors.pb_officer_get(pb_round=round_, officer_id=officer_id)
    if officer is None:
        raise AccessDenied(DENIED_OFFICER_RECORD)
    try:
        voting.pb_officer_withdraw(officer=officer, actor=access_actor(request.user))
    except ValidationProblem as problem:
        for message in problem.problems.values():
            messages.error(request, message)
    else:
        messages.success(request, f"{officer.user} is no longer a ballot officer for this round.")
    return redirect("funding:pb_manage", round_id=round_.pk)


@require_http_methods(["GET", "POST"])
def pb_electors(request: HttpRequest) -> HttpResponse:
    """Match a verified resident's account to their council register reference (managers)."""
    access_funding_manage(request.user)
    form = forms.PbElectorForm(request.POST or None)
    context = {"matched": selectors.pb_elector_count()}
    if request.method == "POST":
        def record(d: dict) -> PbElector:
            user = selectors.user_active_by_email(email=d["email"])
            if user is None:
                raise ValidationProblem({"email": ERROR_NO_ACCOUNT})
            return voting.pb_elector_record(user=user, register_reference=d["register_reference"], actor=access_actor(request.user))
        return run_form(request, form, record, success="The resident's account is matched to the register.",
                        redirect_to=reverse("funding:pb_electors"), template="funding/pb_electors.html", context=context)
    return render(request, "funding/pb_electors.html", {**context, "form": form})
