"""Every domain app has one shape (docs/adr/0007-one-app-shape.md).

A newcomer who knows one app knows them all: the same files in the same places, writers in
``services/<noun>.py`` taking keyword arguments and a typed ``actor``, reads in
``selectors.py``, gatekeepers in ``access.py``, and views that never query the database
themselves. This test reads the source (no database) and names each file and line that breaks
the contract.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import seedbed

ROOT = Path(seedbed.__file__).parent
DOMAIN_APPS = ("participation", "funding", "trials", "portfolio", "library", "evaluations")

# Apps still being brought to the contract: the layout checks skip them until they comply.
PENDING: frozenset[str] = frozenset({
    # -
    # -
    # -
    # -
})

REQUIRED_PACKAGES = ("models", "services", "views")
REQUIRED_MODULES = ("rules.py", "selectors.py", "access.py", "urls.py", "apps.py")
# Besides the contract, an app may have only these modules (ADR 7 says what each holds).
OPTIONAL_MODULES = frozenset({
    "__init__.py", "api.py", "forms.py", "admin.py", "tasks.py", "opendata.py", "charts.py",
    "uploads.py", "reports.py", "registry.py",
})
OPTIONAL_PACKAGES = frozenset({"migrations", "management", "templatetags", "templates", "static", "__pycache__"})

# Calls that query the database: a view that makes one is reading past its selectors.
QUERY_METHODS = frozenset({
    "filter", "exclude", "annotate", "aggregate", "select_related", "prefetch_related",
    "values_list", "order_by", "get_or_create", "update_or_create", "bulk_create", "bulk_update",
    "select_for_update", "only", "defer", "distinct",
})
QUERY_NAMES = frozenset({"get_object_or_404", "get_list_or_404"})
MANAGER_ATTRIBUTES = frozenset({"objects", "_default_manager", "_base_manager"})
# Reads through a relation (``call.stages.all()``, ``fund.programmes.count()``): these take no
# positional argument; ``.get()`` counts only with keyword arguments alone, so ``dict.get(key)``
# and ``request.GET.get("next")`` stay allowed.
RELATED_READ_METHODS = frozenset({
    "all", "count", "exists", "first", "last", "latest", "earliest", "iterator",
})


def _reads_records(node: ast.Call) -> bool:
    assert isinstance(node.func, ast.Attribute)
    if node.args:
        return False
    if node.func.attr in RELATED_READ_METHODS:
        return True
    return node.func.attr == "get" and bool(node.keywords)


def _apps_to_check() -> list[str]:
    return [app for app in DOMAIN_APPS if app not in PENDING]


def _python_files(path: Path) -> list[Path]:
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT.parent)}:{getattr(node, 'lineno', 0)}"


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_app_has_the_contract_files_and_nothing_else(app: str) -> None:
    if app in PENDING:
        pytest.skip(f"{app} is not yet on the app contract")
    base = ROOT / app
    problems = [f"{app}/{name}/ is missing" for name in REQUIRED_PACKAGES if not (base / name / "__init__.py").is_file()]
    problems += [f"{app}/{name} is missing" for name in REQUIRED_MODULES if not (base / name).is_file()]
    if not (base / "templates" / app).is_dir():
        problems.append(f"{app}/templates/{app}/ is missing")
    services = [p for p in (base / "services").glob("*.py") if p.name != "__init__.py"]
    if not services:
        problems.append(f"{app}/services/ has no <noun>.py module")
    for entry in sorted(base.iterdir()):
        if entry.is_dir() and entry.name not in REQUIRED_PACKAGES and entry.name not in OPTIONAL_PACKAGES:
            problems.append(f"{app}/{entry.name}/ is not part of the app contract")
        if entry.is_file() and entry.suffix == ".py" and entry.name not in REQUIRED_MODULES and entry.name not in OPTIONAL_MODULES:
            problems.append(f"{app}/{entry.name} is not part of the app contract")
    assert not problems, "\n".join(problems)


def _annotation_names_user(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    text = ast.unparse(annotation).replace(" ", "").strip("'\"")
    return text in {"User", "User|None", "Optional[User]", "AbstractBaseUser"}


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_services_take_keywords_and_a_typed_actor(app: str) -> None:
    if app in PENDING:
        pytest.skip(f"{app} is not yet on the app contract")
    problems: list[str] = []
    for path in _python_files(ROOT / app / "services"):
        if path.name == "__init__.py":
            continue
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            arguments = node.args
            if arguments.posonlyargs or arguments.args or arguments.vararg:
                problems.append(f"{_where(path, node)} {node.name}() takes positional arguments")
            actor = next((a for a in arguments.kwonlyargs if a.arg == "actor"), None)
            if actor is None or not _annotation_names_user(actor.annotation):
                problems.append(f"{_where(path, node)} {node.name}() has no keyword `actor: User`")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_views_query_only_through_selectors(app: str) -> None:
    if app in PENDING:
        pytest.skip(f"{app} is not yet on the app contract")
    problems: list[str] = []
    for path in _python_files(ROOT / app / "views"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in MANAGER_ATTRIBUTES:
                problems.append(f"{_where(path, node)} reads a model manager (.{node.attr})")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in QUERY_METHODS:
                problems.append(f"{_where(path, node)} queries the database (.{node.func.attr}())")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _reads_records(node):
                problems.append(f"{_where(path, node)} reads related records (.{node.func.attr}())")
            elif isinstance(node, ast.Name) and node.id in QUERY_NAMES:
                problems.append(f"{_where(path, node)} uses {node.id}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_gatekeepers_are_typed_and_use_the_status_enums(app: str) -> None:
    if app in PENDING:
        pytest.skip(f"{app} is not yet on the app contract")
    path = ROOT / app / "access.py"
    problems: list[str] = []
    tree = ast.parse(path.read_text())
    gatekeepers = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("access_")]
    if not gatekeepers:
        problems.append(f"{path.name} defines no access_* gatekeeper")
    for node in gatekeepers:
        if node.returns is None or ast.unparse(node.returns) in {"Any", "object"}:
            problems.append(f"{_where(path, node)} {node.name}() has no precise return type")
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Constant) and isinstance(o.value, str) for o in operands) and any(
                isinstance(o, ast.Attribute) and o.attr in {"status", "kind", "state", "phase", "role"} for o in operands
            ):
                problems.append(f"{_where(path, node)} compares a status with a string; use the model's enum")
        if isinstance(node, ast.Attribute) and node.attr in MANAGER_ATTRIBUTES | {"first"}:
            # Records are fetched through core.access.fetch_or_deny (or a selector), never by hand.
            problems.append(f"{_where(path, node)} fetches by hand (.{node.attr}); use fetch_or_deny or a selector")
    assert not problems, "\n".join(problems)


def test_core_holds_no_domain_gatekeepers() -> None:
    """core.access keeps the mechanism (roles, ``gatekeeper``, ``fetch_or_deny``); each
    domain's gatekeepers live in that app's ``access.py``."""
    source = (ROOT / "core" / "access.py").read_text()
    pending_left = [app for app in DOMAIN_APPS if app not in PENDING and f"seedbed.{app}" in source]
    assert not pending_left, f"core/access.py still reaches into: {', '.join(pending_left)}"
    if not PENDING:
        assert "get_model(" not in source, "core/access.py looks models up by name; move the gatekeeper to its app"
