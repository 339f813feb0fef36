"""Small helpers shared by the funding views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems


def run_form(
    request: HttpRequest, form: forms.Form, action: Callable[[dict[str, Any]], Any], *, success: str,
    redirect_to: str, template: str, context: dict[str, Any],
) -> HttpResponse:
    """Validate ``form``, run ``action`` (one service call), redirect on success; else re-render
    the page with the GOV.UK error summary (status 400), keeping what was typed."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, success)
            return redirect(redirect_to)
    return render(request, template, {**context, "form": form, "failed_form": form}, status=400)
