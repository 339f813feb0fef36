"""Awards: the award page, the printable letter, acceptance, payments, reports, clawback."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from seedbed.core.access import is_council_staff
from seedbed.core.errors import ValidationProblem
from seedbed.funding import forms, selectors
from seedbed.funding.access import (
    access_actor,
    access_award,
    access_funding_manage,
    is_funding_manager,
)
from seedbed.funding.services import awards as services


def _context(request: HttpRequest, award) -> dict:
    application = award.application
    return {
        "award": award, "application": application, "decision": getattr(application, "decision", None),
        "innovation": selectors.award_innovation(award=award),
        "manager": is_funding_manager(request.user), "council_staff": is_council_staff(request.user),
        "recipient": application is not None and application.applicant_id == request.user.pk,
        "instalments": selectors.award_instalment_list(award=award), "payments": selectors.award_payment_list(award=award),
        "reports": selectors.award_report_list(award=award), "clawbacks": selectors.award_clawback_list(award=award),
        "respond_form": forms.RespondForm(prefix="respond"), "instalment_form": forms.InstalmentForm(prefix="instalment"),
        "payment_form": forms.PaymentForm(prefix="payment"), "report_form": forms.ReportRequestForm(prefix="report"),
        "receive_form": forms.ReportReceiveForm(prefix="receive"), "clawback_form": forms.ClawbackForm(prefix="clawback"),
    }


@require_http_methods(["GET"])
def award_detail(request: HttpRequest, award_id: int) -> HttpResponse:
    award = access_award(request.user, award_id)
    return render(request, "funding/award_detail.html", _context(request, award))


@require_http_methods(["GET"])
def award_letter(request: HttpRequest, award_id: int) -> HttpResponse:
    """The award letter, generated from the decision at once; printable (print stylesheet)."""
    award = access_award(request.user, award_id)
    if award.application_id is None:
        raise Http404("A participatory-budget project has no award letter.")
    return render(request, "funding/award_letter.html", _context(request, award))


def _act(request: HttpRequest, award_id: int, prefix: str, form_class, fn, *, manager: bool = True) -> HttpResponse:
    award = access_award(request.user, award_id)
    if manager:
        access_funding_manage(request.user)
    form = form_class(request.POST, prefix=prefix)
    try:
        if not form.is_valid():
            raise ValidationProblem({k: str(v[0]) for k, v in form.errors.items()})
        fn(award, form.cleaned_data)
    except ValidationProblem as problem:
        for field, message in problem.problems.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {message}" if label else message)
    else:
        messages.success(request, "Saved.")
    return redirect("funding:award_detail", award_id=award.pk)


@require_POST
def award_respond(request: HttpRequest, award_id: int) -> HttpResponse:
    award = access_award(request.user, award_id)
    if award.application is None or award.application.applicant_id != request.user.pk:
        raise Http404
    return _act(request, award_id, "respond", forms.RespondForm, lambda a, d: services.award_respond(
        award=a, accept=d["response"] == "accept", actor=access_actor(request.user)), manager=False)


@require_POST
def award_instalment(request: HttpRequest, award_id: int) -> HttpResponse:
    return _act(request, award_id, "instalment", forms.InstalmentForm, lambda a, d: services.instalment_add(
        award=a, amount=d["amount"], due_on=d["due_on"], milestone=d["milestone"], actor=access_actor(request.user)))


@require_POST
def award_payment(request: HttpRequest, award_id: int) -> HttpResponse:
    return _act(request, award_id, "payment", forms.PaymentForm, lambda a, d: services.payment_record(
        award=a, amount=d["amount"], paid_on=d["paid_on"], actor=access_actor(request.user)))


@require_POST
def award_report(request: HttpRequest, award_id: int) -> HttpResponse:
    return _act(request, award_id, "report", forms.ReportRequestForm, lambda a, d: services.report_request(
        award=a, kind=d["kind"], due_on=d["due_on"], actor=access_actor(request.user)))


@require_POST
def report_receive(request: HttpRequest, award_id: int, report_id: int) -> HttpResponse:
    def fn(award, data):
        report = selectors.report_get(award=award, report_id=report_id)
        if report is None:
            raise ValidationProblem("There is no such report")
        services.report_receive(report=report, summary=data["summary"], actor=access_actor(request.user))
    return _act(request, award_id, "receive", forms.ReportReceiveForm, fn)


@require_POST
def award_clawback(request: HttpRequest, award_id: int) -> HttpResponse:
    return _act(request, award_id, "clawback", forms.ClawbackForm, lambda a, d: services.clawback_record(
        award=a, amount=d["amount"], reason=d["reason"], actor=access_actor(request.user)))
