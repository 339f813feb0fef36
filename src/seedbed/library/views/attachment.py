"""Attachment pages: adding a file to a case, and downloading it."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.library import services
from seedbed.library.access import access_attachment, access_case, access_library_manage
from seedbed.library.forms import AttachmentForm
from seedbed.library.services.attachment import MAX_ATTACHMENT_BYTES


@require_http_methods(["GET", "POST"])
def attachment_add(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(request.user, case_id)
    actor = access_library_manage(request.user)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.attachment_add(case=case, title=form.cleaned_data["title"], filename=upload.name,
                                    content=upload.read(MAX_ATTACHMENT_BYTES + 1),
                                    actor=actor)
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, "The file has been attached.")
            return redirect("library:case_detail", case_id=case.pk)
    return render(request, "library/attachment_form.html", {"form": form, "case": case})


@require_http_methods(["GET"])
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = access_attachment(request.user, attachment_id)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.filename,
                        content_type=attachment.content_type)
