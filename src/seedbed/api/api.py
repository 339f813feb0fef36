"""The JSON API: one router per domain app; every endpoint goes through the gatekeepers."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest
from ninja import NinjaAPI, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError

from seedbed import __version__
from seedbed.accounts.selectors import membership_list, organisation_list
from seedbed.core.access import access_staff_area
from seedbed.core.api_auth import API_AUTH, TokenRefused
from seedbed.core.errors import AccessDenied, ValidationProblem
from seedbed.funding import api as funding_api
from seedbed.library import api as library_api
from seedbed.participation import api as participation_api
from seedbed.portfolio import api as portfolio_api
from seedbed.trials import api as trials_api

api = NinjaAPI(
    title="Seedbed API",
    version=__version__,
    description="Needs, ideas, funding, trials, portfolio and library of a public body's innovation programme.",
    docs_url="/docs",
    urls_namespace="api",
)


class ErrorOut(Schema):
    detail: str


class ProblemsOut(Schema):
    detail: str
    problems: dict[str, str]


@api.exception_handler(AccessDenied)
def _access_denied(request: HttpRequest, exc: AccessDenied):
    return api.create_response(request, {"detail": exc.reason}, status=403)


@api.exception_handler(TokenRefused)
def _token_refused(request: HttpRequest, exc: TokenRefused):
    """A revoked or expired token (401) or one without the scope the method needs (403)."""
    response = api.create_response(request, {"detail": exc.detail}, status=exc.status)
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    else:
        response["WWW-Authenticate"] = 'Bearer error="insufficient_scope"'
    return response


@api.exception_handler(ValidationProblem)
def _validation_problem(request: HttpRequest, exc: ValidationProblem):
    return api.create_response(
        request, {"detail": "The request has problems", "problems": exc.problems}, status=422
    )


@api.exception_handler(NinjaValidationError)
def _invalid_request(request: HttpRequest, exc: NinjaValidationError):
    """Malformed input: one message per field, named as the client sent it (``ProblemsOut``)."""
    problems: dict[str, str] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "payload")]
        problems[".".join(location) or "request"] = str(error.get("msg", "is not valid"))
    return api.create_response(
        request, {"detail": "The request has problems", "problems": problems}, status=422
    )


class HealthOut(Schema):
    status: str
    database: str
    version: str


@api.get("/health", response={200: HealthOut, 503: HealthOut}, auth=None, tags=["service"])
def health(request: HttpRequest):
    """Whether the service and its database are answering."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return Status(503, {"status": "unavailable", "database": "unreachable", "version": __version__})
    return Status(200, {"status": "ok", "database": "ok", "version": __version__})


class RoleOut(Schema):
    organisation_id: int
    organisation: str
    role: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[RoleOut]


@api.get("/me", response={200: MeOut, 401: ErrorOut}, auth=API_AUTH, tags=["people"])
def me(request: HttpRequest):
    """The person the request is authenticated as, and their roles."""
    user = request.user
    roles = [
        {"organisation_id": m.organisation_id, "organisation": m.organisation.name, "role": m.role}
        for m in membership_list(user=user)  # type: ignore[arg-type]
    ]
    return {"id": user.pk, "username": user.get_username(), "display_name": str(user), "roles": roles}


class OrganisationOut(Schema):
    id: int
    name: str
    slug: str
    kind: str
    parent_id: int | None
    org_id: str


@api.get(
    "/organisations", response={200: list[OrganisationOut], 401: ErrorOut, 403: ErrorOut},
    auth=API_AUTH, tags=["people"],
)
def organisations(request: HttpRequest):
    """Every organisation (staff only)."""
    access_staff_area(request.user)
    return list(organisation_list())


# Each domain app's endpoints, mounted at ``/api/<prefix>``.
api.add_router("/voices", participation_api.router)
api.add_router("/funding", funding_api.router)
api.add_router("/trials", trials_api.router)
api.add_router("/portfolio", portfolio_api.router)
api.add_router("/library", library_api.router)
