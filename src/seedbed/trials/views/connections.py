"""Administrators keep the tables and views each named data connection may read."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seedbed.core.access import access_data_connections_manage, gatekeeper
from seedbed.core.errors import ValidationProblem
from seedbed.trials import forms
from seedbed.trials.services.connections import connection_relations_set
from seedbed.trials.uploads import connection_relations


@require_http_methods(["GET", "POST"])
@gatekeeper(access_data_connections_manage)
def data_connections(request: HttpRequest) -> HttpResponse:
    """Every named connection with its list; ``?connection=NAME`` opens that list to change."""
    offered = connection_relations()
    chosen = request.POST.get("connection") or request.GET.get("connection") or ""
    form = None
    if chosen in offered:
        form = forms.ConnectionRelationsForm(
            request.POST or None, options={"connections": list(offered)},
            initial={"connection": chosen, "relations": "\n".join(offered[chosen])})
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            connection_relations_set(actor=request.user, connection=chosen,  # type: ignore[arg-type]
                                     relations=form.relation_lines())
        except ValidationProblem as problem:
            form.apply(problem)
        else:
            messages.success(request, f"The list for {chosen} is saved.")
            return redirect("trials:data_connections")
    return render(request, "trials/data_connections.html", {
        "offered": offered, "chosen": chosen if form is not None else "", "form": form,
    })
