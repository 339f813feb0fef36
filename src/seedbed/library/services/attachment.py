"""Writing attachments: the files published with a case, checked by their contents."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.library.models import Attachment, Case
from seedbed.library.services.case import ERROR_REQUIRED

ERROR_FILE_EMPTY = "The file is empty"
ERROR_FILE_TYPE = "Upload a PDF, CSV, plain-text or Markdown file"
ERROR_FILE_SIZE = "The file must be smaller than {mb} MB"
ERROR_FILE_CONTENT = "The file's contents do not match a {kind} file"
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_FILES = {".pdf": "application/pdf", ".csv": "text/csv", ".txt": "text/plain", ".md": "text/markdown"}


def _file_problem(filename: str, content: bytes) -> str | None:
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in ALLOWED_FILES:
        return ERROR_FILE_TYPE
    if not content:
        return ERROR_FILE_EMPTY
    if len(content) > MAX_ATTACHMENT_BYTES:
        return ERROR_FILE_SIZE.format(mb=MAX_ATTACHMENT_BYTES // (1024 * 1024))
    if suffix == ".pdf":
        return None if content.startswith(b"%PDF-") else ERROR_FILE_CONTENT.format(kind="PDF")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return ERROR_FILE_CONTENT.format(kind="text")
    if "\x00" in text:
        return ERROR_FILE_CONTENT.format(kind="text")
    return None


def attachment_add(*, case: Case, title: str, filename: str, content: bytes, actor: User) -> Attachment:
    """Attach a PDF, CSV, text or Markdown file to a case (checked by content, not name only)."""
    problems = {}
    if not title.strip():
        problems["title"] = ERROR_REQUIRED.format(label="title")
    file_problem = _file_problem(filename, content)
    if file_problem:
        problems["file"] = file_problem
    if problems:
        raise ValidationProblem(problems)
    safe_name = "".join(c for c in filename if c.isalnum() or c in "._-")[-100:] or "attachment"
    suffix = "." + safe_name.rsplit(".", 1)[-1].lower()
    with transaction.atomic():
        attachment = Attachment(case=case, title=title.strip(), filename=safe_name,
                                content_type=ALLOWED_FILES[suffix], size=len(content))
        attachment.file.save(safe_name, ContentFile(content), save=False)
        attachment.save()
        audit_append(action="library.attachment_add", actor=actor, obj=attachment,
                     data={"case": case.pk, "size": len(content), "type": attachment.content_type})
    return attachment

