"""What the Voices views share: the detail page's context and re-rendering with errors."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from seedbed.participation import selectors
from seedbed.participation.access import is_voices_handler
from seedbed.participation.forms import (
    CommentForm,
    HideForm,
    MergeForm,
    ReportForm,
    StatusForm,
)
from seedbed.participation.models import Contribution


def detail_response(
    request: HttpRequest, contribution: Contribution, *, status: int = 200, **forms: Any
) -> HttpResponse:
    """The need/idea page, with any bound form (showing its errors) passed in ``forms``."""
    handler = is_voices_handler(request.user)
    merge_form = forms.get("merge_form") or MergeForm()
    if handler and not merge_form.is_bound:
        merge_form.fields["into"].queryset = selectors.merge_targets(contribution=contribution)  # type: ignore[union-attr]
    bound = next((f for f in forms.values() if f is not None and f.is_bound and f.errors), None)
    context = {
        "view": selectors.contribution_view(contribution=contribution, for_user=request.user),
        "c": contribution,
        "handler": handler,
        "comment_form": forms.get("comment_form") or CommentForm(),
        "report_form": forms.get("report_form") or ReportForm(),
        "status_form": forms.get("status_form") or StatusForm(initial={"status": contribution.status}),
        "merge_form": merge_form,
        "hide_form": forms.get("hide_form") or HideForm(),
        "form": bound,
    }
    return render(request, "participation/contribution_detail.html", context, status=status)
