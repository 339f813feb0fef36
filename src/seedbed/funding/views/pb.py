"""Participatory budgeting: the round, its set-up, voting, paper ballots, results, export."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from seedbed.core.access import gatekeeper, id_from_text, is_council_staff
from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.funding import forms, selectors
from seedbed.funding.access import (
    access_actor,
    access_funding_manage,
    access_pb_manage,
    access_pb_paper,
    access_pb_round,
    access_pb_vote,
    is_funding_manager,
)
from seedbed.funding.models import PbProject, PbRound
from seedbed.funding.services import pb as services
from seedbed.funding.services import pb_voting as voting
from seedbed.funding.views.common import run_form


def _feasible(pb_round: PbRound) -> list[PbProject]:
    return selectors.pb_project_feasible_list(pb_round=pb_round)


@require_http_methods(["GET"])
def pb_round(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = access_pb_round(request.user, round_id)
    voted = selectors.pb_has_voted(pb_round=round_, user=request.user)
    return render(request, "funding/pb_round.html", {
        "round": round_, "projects": selectors.pb_project_list(pb_round=round_), "manager": is_funding_manager(request.user), "voted": voted,
        "officer": selectors.is_pb_officer(pb_round=round_, user=request.user),
    })


@require_http_methods(["GET", "POST"])
@gatekeeper(access_funding_manage)
def pb_round_create(request: HttpRequest) -> HttpResponse:
    form = forms.PbRoundForm(request.POST or None, funds=selectors.fund_choices())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            round_ = services.pb_round_create(
                fund=d["fund"], title=d["title"], summary=d["summary"], budget=d["budget"], ballot_kind=d["ballot_kind"],
                min_choices=d["min_choices"], max_choices=d["max_choices"], points=d["points"], rule=d["rule"],
                actor=access_actor(request.user))
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, "The round has been created. Add its projects.")
            return redirect("funding:pb_manage", round_id=round_.pk)
    return render(request, "funding/pb_round_create.html", {"form": form}, status=400 if form.errors else 200)


def _manage_context(round_: PbRound, user: object = None) -> dict:
    counts = selectors.pb_ballot_counts(pb_round=round_)
    return {"round": round_, "projects": selectors.pb_project_list(pb_round=round_),
            "project_form": forms.PbProjectForm(prefix="project"), "check_form": forms.PbCheckForm(prefix="check"),
            "open_form": forms.PbOpenForm(prefix="open", initial={"rule": round_.rule}),
            "ballots": counts.ballots, "officers": selectors.pb_officer_list(pb_round=round_),
            "officer_form": forms.PbOfficerForm(prefix="officer", manager=user), "numbers_issued": counts.numbers_issued,
            "numbers_used": counts.numbers_used}


@require_http_methods(["GET"])
def pb_manage(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = access_pb_manage(request.user, round_id)
    return render(request, "funding/pb_manage.html", _manage_context(round_, request.user))


@require_POST
def pb_project_add(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = access_pb_manage(request.user, round_id)
    context = _manage_context(round_, request.user)
    form = forms.PbProjectForm(request.POST, prefix="project")
    context["project_form"] = form
    return run_form(request, form, lambda d: services.pb_project_add(
        pb_round=round_, title=d["title"], description=d["description"], cost=d["cost"], idea=d["idea"],
        actor=access_actor(request.user)), success="Project added.", redirect_to=reverse("funding:pb_manage", args=[round_.pk]),
        template="funding/pb_manage.html", context=context)


def _one_click(request: HttpRequest, round_id: int, fn, success: str, back: str = "funding:pb_manage") -> HttpResponse:
    round_ = access_pb_manage(request.user, round_id)
    try:
        fn(round_)
    except ValidationProblem as problem:
        for message in problem.problems.values():
            messages.error(request, message)
        return redirect("funding:pb_manage", round_id=round_.pk)
    messages.success(request, success)
    return redirect(back, round_id=round_.pk)


@require_POST
def pb_project_check(request: HttpRequest, round_id: int, project_id: int) -> HttpResponse:
    def fn(round_):
        project = selectors.pb_project_get(pb_round=round_, project_id=project_id)
        if project is None:
            raise Http404
        form = forms.PbCheckForm(request.POST, prefix="check")
        if not form.is_valid():
            raise ValidationProblem({"note": "Say whether the project is feasible and what was checked"})
        services.pb_project_check(project=project, feasible=form.cleaned_data["feasible"] == "yes",
                                  note=form.cleaned_data["note"], actor=access_actor(request.user))
    return _one_click(request, round_id, fn, "Feasibility recorded.")


@require_POST
def pb_voting_open(request: HttpRequest, round_id: int) -> HttpResponse:
    def fn(round_):
        form = forms.PbOpenForm(request.POST, prefix="open")
        if not form.is_valid():
            raise ValidationProblem({"rule": "Choose the counting rule"})
        services.pb_voting_open(pb_round=round_, rule=form.cleaned_data["rule"], actor=access_actor(request.user))
    return _one_click(request, round_id, fn, "Voting is open. The counting rule is now fixed.")


@require_POST
def pb_count(request: HttpRequest, round_id: int) -> HttpResponse:
    return _one_click(request, round_id, lambda r: services.pb_count(pb_round=r, actor=access_actor(request.user)),
                      "Voting closed and the ballots counted.", back="funding:pb_results")


def _ballot_choices(request: HttpRequest, round_: PbRound) -> dict[int, int]:
    if round_.ballot_kind == PbRound.Ballot.CUMULATIVE:
        out = {}
        for project in _feasible(round_):
            raw = request.POST.get(f"points_{project.pk}", "").strip() or "0"
            if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
                raise ValidationProblem({"choices": f"Enter whole points for {project.title}"})
            out[project.pk] = int(raw)
        return out
    chosen = (id_from_text(pk) for pk in request.POST.getlist("projects"))
    return {pk: 1 for pk in chosen if pk is not None}


def _ballot_page(request: HttpRequest, round_: PbRound, template: str, submit, extra: dict) -> HttpResponse | None:
    """The ballot page, or None once the ballot has been cast."""
    error = None
    selected: dict[int, int] = {}
    if request.method == "POST":
        try:
            selected = _ballot_choices(request, round_)
            submit(selected)
        except ValidationProblem as problem:
            error = "; ".join(problem.problems.values())
        else:
            return None
    return render(request, template, {"round": round_, "projects": _feasible(round_), "error": error,
                                      "selected": selected, **extra}, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def pb_vote(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = access_pb_vote(request.user, round_id)
    already = selectors.pb_has_voted(pb_round=round_, user=request.user)
    response = _ballot_page(request, round_, "funding/pb_vote.html",
                            lambda choices: services.pb_vote(pb_round=round_, actor=access_actor(request.user), choices=choices),
                            {"already": already, "matched": selectors.pb_elector_of(user=request.user) is not None,
                             "not_matched": voting.ERROR_NOT_ON_REGISTER})
    if response is None:
        messages.success(request, "Thank you: your vote has been counted in the ballot box.")
        return redirect("funding:pb_round", round_id=round_.pk)
    return response


@require_http_methods(["GET", "POST"])
def pb_paper(request: HttpRequest, round_id: int) -> HttpResponse:
    """A ballot officer keys in one paper ballot: its issued number, the voter's register
    reference and the choices marked on it."""
    round_ = access_pb_paper(request.user, round_id)
    form = forms.PaperBallotForm(request.POST or None)
    choices_error = None
    if request.method == "POST":
        choices: dict[int, int] = {}
        try:
            choices = _ballot_choices(request, round_)
        except ValidationProblem as problem:
            choices_error = "; ".join(problem.problems.values())
        if form.is_valid() and choices_error is None:
            try:
                voting.pb_paper_ballot(pb_round=round_, ballot_number=form.cleaned_data["ballot_number"],
                                       register_reference=form.cleaned_data["register_reference"], choices=choices,
                                       actor=access_actor(request.user))
            except ValidationProblem as problem:
                choices_error = problem.problems.pop("choices", None)
                add_problems(form, problem)
            else:
                messages.success(request, "Paper ballot keyed in.")
                return redirect("funding:pb_paper", round_id=round_.pk)
    failed = bool(form.errors or choices_error)
    return render(request, "funding/pb_paper.html", {
        "round": round_, "projects": _feasible(round_), "form": form, "error": choices_error, "own_summary": True,
        "keyed": selectors.pb_keyed_count(pb_round=round_, officer=request.user), "failed": failed,
    }, status=400 if failed else 200)


@require_http_methods(["GET"])
def pb_results(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = access_pb_round(request.user, round_id)
    result = getattr(round_, "result", None)
    rows = []
    if result is not None:
        projects = {p.code: p for p in selectors.pb_project_list(pb_round=round_)}
        for code, note in result.explanations.items():
            rows.append({"project": projects.get(code), "note": note})
        order = {code: i for i, code in enumerate(result.selected)}
        rows.sort(key=lambda r: (not r["note"]["funded"], order.get(r["project"].code, 0), -r["note"]["votes"]))
    awards = selectors.pb_awards(pb_round=round_) if is_council_staff(request.user) else []
    return render(request, "funding/pb_results.html", {"round": round_, "result": result, "rows": rows, "awards": awards})


@require_http_methods(["GET"])
def pb_export(request: HttpRequest, round_id: int) -> HttpResponse:
    """The counted election as a Pabulib .pb file (no voter identities)."""
    round_ = access_pb_round(request.user, round_id)
    result = getattr(round_, "result", None)
    if result is None:
        raise Http404("This round has not been counted yet.")
    response = HttpResponse(result.pabulib, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="seedbed-pb-round-{round_.pk}.pb"'
    return response
