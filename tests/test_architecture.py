"""The import directions and file roles of docs/ARCHITECTURE.md, read from the source with `ast`.

Static and fast: no app, no database, nothing imported. Each rule lists every import that breaks
it, naming the importing module, the imported module and the rule, so a failure says what to move
where. Imports inside functions count too: a lazy import is still a dependency. The layout rules
at the end do the same for where blueprints are made and routes are put on them: a package's
views.py only holds its blueprints, and its routes are in *_views.py modules.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"

# The foundation every package builds on: shared pieces (common), who people are and what they may
# do (auth), the audit log (audit), and the organisation's settings and departments (admin).
FOUNDATION_PACKAGES = ("app.common", "app.auth", "app.audit")
FOUNDATION = (*FOUNDATION_PACKAGES, "app.extensions", "app.config", "app.admin.models", "app.admin.settings",
              "app.admin.services")

# The registers an ISMS keeps, and the packages that read them all.
REGISTERS = ("app.risks", "app.controls", "app.assets", "app.employees", "app.policies", "app.context",
             "app.objectives", "app.internal_audits", "app.nonconformities", "app.reviews", "app.suppliers",
             "app.incidents", "app.awareness", "app.continuity")
READERS_OF_EVERY_REGISTER = ("app.reports", "app.scheduler", "app.core", "app.backup", "app.isms")

# Rules worth naming, in small modules of plain functions: no Flask, no database session.
PURE_RULE_MODULES = {
    "app.common.colours",
    "app.common.contents",
    "app.common.wording",
    "app.auth.totp",
    "app.risks.scoring",
    "app.policies.workflow",
    "app.policies.cases.recommendation",
    "app.policies.cases.fairness",
    "app.policies.cases.codes",
    "app.objectives.periods",
    "app.objectives.charts",
    "app.reviews.compare",
    "app.continuity.rules",
    "app.suppliers.rules",
    "app.incidents.popia",
}

# What a web request carries. Use cases serve views, CLI commands, the import runner and scheduled
# jobs alike, so outside the views and forms they receive plain values instead.
REQUEST_STATE = {"flask.request", "flask.session"}

# The web plumbing every page shares, which reads the request on the views' behalf.
WEB_GLUE = {
    "app.auth.permissions",  # @permission_required: who asks, and where to send them to sign in
    "app.common.listing",  # list pages: filters, sort and page from the query string
    "app.core.security",  # security headers and the idle-session timeout
    "app.core.templating",  # template globals: the current page for the navigation
    "app.common.saving",  # saving(): a refused form keeps its messages, a stale edit is flashed and redirected
    "app.common.transactions",  # a write request takes SQLite's write lock at its first statement
}

# Known, deliberate exceptions: (importing module, imported module) -> why it is allowed.
EXCEPTIONS = {
    ("app.audit.services", "flask.request"):
        "record() notes the address a request came from in each audit entry, and only inside a request",
    ("app.policies.cases.document_views", "app.reports.pdf"):
        "a case's letters and case file are PDFs in the reports' layout (pdf.py could move to app/common)",
    ("app.internal_audits.report", "app.reports.pdf"):
        "an audit's report is rendered once, when its lead auditor issues it, in the reports' layout (as a case file)",
    ("app.employees.demo", "app.core.demo"):
        "the demo employees include the people behind the demo accounts (DEMO_ACCOUNTS)",
}

HTTP_METHOD_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}

# Modules that put routes on a blueprint they are given, for the *_views.py that calls them: module -> why.
ROUTES_ON_A_CALLERS_BLUEPRINT = {
    "app.common.imports":
        "add_import_pages() puts the same five import pages on the blueprint of each import_views.py that calls it",
}


@dataclass(frozen=True)
class Import:
    importer: str  # "app.risks.list_views"
    imported: str  # "app.risks.exports", or "flask.request" for a name taken from outside app/
    line: int

    def __str__(self) -> str:
        return f"{self.importer} (line {self.line}) imports {self.imported}"


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def app_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(APP.rglob("*.py"))}


@cache
def _tree(module: str) -> ast.Module:
    path = app_modules()[module]
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imports_of(module: str) -> list[Import]:
    path = app_modules()[module]
    found = []
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, path, node)
            for alias in node.names:
                # `from app.risks import services` imports the module app.risks.services;
                # `from flask import request` is kept as flask.request, so rules can name it.
                submodule = f"{base}.{alias.name}"
                known = submodule in app_modules() or not base.startswith("app")
                found.append(Import(module, submodule if known else base, node.lineno))
    return found


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


@cache
def all_imports() -> tuple[Import, ...]:
    return tuple(found for module in app_modules() for found in imports_of(module))


def top_package(module: str) -> str | None:
    """"app.policies.cases.views" -> "policies"; None for app/__init__.py, app/models.py and the like."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (APP / parts[1]).is_dir()) else None


def containing_package(module: str) -> str:
    path = app_modules().get(module)
    return module if path is not None and path.name == "__init__.py" else module.rpartition(".")[0]


def role(module: str) -> str:
    """The file's role from its name: "views" for views.py and record_views.py, and so on."""
    name = module.rpartition(".")[2]
    return name.rpartition("_")[2] if name.endswith(("_views", "_forms", "_importing", "_cli")) else name


def is_views(module: str) -> bool:
    """A views module by its name, or by what it does: it puts routes on a blueprint."""
    if module not in app_modules():
        return False
    return role(module) == "views" or _defines_routes(module)


@cache
def _defines_routes(module: str) -> bool:
    return bool(route_registrations(module)) and module not in ROUTES_ON_A_CALLERS_BLUEPRINT


@cache
def route_registrations(module: str) -> tuple[tuple[int, str], ...]:
    """Where the module puts a route on a blueprint, as (line, what): a route decorator
    (@bp.route, @bp.get, @bp.post...), a bp.add_url_rule() call, or bp.route(...)(view)."""
    found = []
    for node in ast.walk(_tree(module)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                call = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(call, ast.Attribute) and call.attr in HTTP_METHOD_DECORATORS:
                    found.append((decorator.lineno, f"@{ast.unparse(call)} on {node.name}()"))
        elif isinstance(node, ast.Call):
            # Not bp.get(...) here: request.args.get() and dict.get() are calls of the same shape.
            if isinstance(node.func, ast.Attribute) and node.func.attr == "add_url_rule":
                found.append((node.lineno, f"{ast.unparse(node.func)}()"))
            elif (isinstance(node.func, ast.Call) and isinstance(node.func.func, ast.Attribute)
                  and node.func.func.attr == "route"):
                found.append((node.lineno, f"{ast.unparse(node.func.func)}(...)(...)"))
    return tuple(sorted(found))


@cache
def blueprints_created(module: str) -> tuple[int, ...]:
    """The lines where the module calls Blueprint(...)."""
    return tuple(sorted(
        node.lineno for node in ast.walk(_tree(module))
        if isinstance(node, ast.Call) and (
            (isinstance(node.func, ast.Name) and node.func.id == "Blueprint")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "Blueprint"))))


def file_name(module: str) -> str:
    """"app.risks.record_views" -> "record_views"; "app.risks" (its __init__.py) -> "__init__"."""
    return "__init__" if app_modules()[module].name == "__init__.py" else module.rpartition(".")[2]


def is_within(module: str, prefixes) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


# --- the rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    name: str
    breaks: Callable[[Import], bool]


def _foundation_imports_a_register_or_reader(found: Import) -> bool:
    return (is_within(found.importer, FOUNDATION) and found.imported.startswith("app")
            and not is_within(found.imported, FOUNDATION))


def _register_imports_a_reader(found: Import) -> bool:
    return is_within(found.importer, REGISTERS) and is_within(found.imported, READERS_OF_EVERY_REGISTER)


def _imports_another_packages_views(found: Import) -> bool:
    if top_package(found.importer) is None:  # app/__init__.py registers every blueprint
        return False
    return is_views(found.imported) and containing_package(found.imported) != containing_package(found.importer)


def _non_view_imports_views(found: Import) -> bool:
    return top_package(found.importer) is not None and not is_views(found.importer) and is_views(found.imported)


def _reports_imports_views(found: Import) -> bool:
    return (is_within(found.importer, ["app.reports"]) and is_views(found.imported)
            and containing_package(found.imported) != "app.reports")


def _reads_the_request_outside_the_web_layer(found: Import) -> bool:
    web_layer = is_views(found.importer) or role(found.importer) == "forms" or found.importer in WEB_GLUE
    return found.imported in REQUEST_STATE and not web_layer


def _pure_rule_uses_flask_or_database(found: Import) -> bool:
    if found.importer not in PURE_RULE_MODULES:
        return False
    web_or_database = re.match(r"(flask|flask_\w+|sqlalchemy|werkzeug)(\.|$)", found.imported)
    return bool(web_or_database) or found.imported == "app.extensions" or (
        found.imported in app_modules() and role(found.imported) in {"services", "queries", "views", "forms"})


def _models_import_use_cases(found: Import) -> bool:
    return (role(found.importer) == "models" and found.imported in app_modules()
            and role(found.imported) in {"services", "queries", "views", "forms", "importing", "exports"})


def _non_view_imports_forms(found: Import) -> bool:
    web_layer = is_views(found.importer) or role(found.importer) == "forms"
    return found.imported in app_modules() and role(found.imported) == "forms" and not web_layer


def _imports_another_packages_forms(found: Import) -> bool:
    return (top_package(found.importer) is not None and role(found.imported) == "forms"
            and found.imported in app_modules()
            and top_package(found.imported) not in (top_package(found.importer), "common"))


RULES = [
    Rule("the foundation (common, auth, audit, and admin's settings, services and models) imports no "
         "register nor reader", _foundation_imports_a_register_or_reader),
    Rule("the registers (risks, controls, assets, employees, policies) import neither reports, scheduler nor core",
         _register_imports_a_reader),
    Rule("no package imports another package's views modules (views.py, *_views.py)",
         _imports_another_packages_views),
    Rule("only views modules import views modules (and app/__init__.py, which registers the blueprints)",
         _non_view_imports_views),
    Rule("reports (documents, packs) imports no views module of another package", _reports_imports_views),
    Rule("only views, forms and the web glue (permissions, listing, security, templating) read flask.request "
         "or flask.session; services and rules take plain values", _reads_the_request_outside_the_web_layer),
    Rule("pure rule modules import no Flask, no SQLAlchemy, no db session and no services, queries, views or forms",
         _pure_rule_uses_flask_or_database),
    Rule("models import no services, queries, views, forms, importing or exports", _models_import_use_cases),
    Rule("only views and forms import forms (services, queries, importing and exports never do)",
         _non_view_imports_forms),
    Rule("no package imports another package's forms (shared fields live in app/common/forms.py)",
         _imports_another_packages_forms),
]


def violations(rule: Rule) -> Iterator[str]:
    reported = set()
    for found in all_imports():
        pair = (found.importer, found.imported)
        if rule.breaks(found) and pair not in EXCEPTIONS and pair not in reported:
            reported.add(pair)  # `from x import a, b` is one dependency, reported once
            yield f"{found}: breaks the rule “{rule.name}”"


@pytest.mark.parametrize("rule", RULES, ids=[rule.breaks.__name__.strip("_") for rule in RULES])
def test_import_direction(rule):
    broken = list(violations(rule))
    assert not broken, "\n".join(broken)


def test_every_pure_rule_module_exists():
    missing = PURE_RULE_MODULES - set(app_modules())
    assert not missing, f"Listed as pure rule modules but not found under app/: {sorted(missing)}"


def test_every_exception_is_still_needed():
    """An exception for an import that is gone would silently allow it back."""
    stale = set(EXCEPTIONS) - {(found.importer, found.imported) for found in all_imports()}
    assert not stale, f"Exceptions for imports that no longer exist; remove them: {sorted(stale)}"


def test_the_reader_sees_lazy_and_relative_imports():
    """The rules are only as good as the reader: a function-level import and a name imported from
    a package both count."""
    modules = {found.imported for found in imports_of("app.risks.record_views")}
    assert "app.risks.views" in modules  # from app.risks.views import bp
    assert "app.controls.services" in modules  # from app.controls import services as control_services
    lazy = {found.imported for found in imports_of("app.common.export")}
    assert "app.audit.services" in lazy  # imported inside audited_export()


# --- the file layout ------------------------------------------------------------------------------
# views.py means one thing in every package: it makes the package's blueprint(s) and, at its bottom,
# imports the package's *_views.py, whose routes register on import. Every route lives in a module
# named *_views.py, named by what it serves (list_views, record_views, account_views...).


@dataclass(frozen=True)
class LayoutRule:
    name: str
    breaks: Callable[[str], list[str]]  # module -> what in it breaks the rule ("line 12: @bp.get on index()")


def _views_py_without_a_blueprint_or_with_routes(module: str) -> list[str]:
    if file_name(module) != "views":
        return []
    broken = [f"line {line}: {what}" for line, what in route_registrations(module)]
    if not blueprints_created(module):
        broken.append("creates no Blueprint")
    return broken


def _routes_outside_a_views_module(module: str) -> list[str]:
    if file_name(module).endswith("_views") or file_name(module) == "views":  # views.py: the rule above
        return []
    if module in ROUTES_ON_A_CALLERS_BLUEPRINT:
        return []
    return [f"line {line}: {what}" for line, what in route_registrations(module)]


def _blueprint_outside_views_py(module: str) -> list[str]:
    if file_name(module) == "views":
        return []
    return [f"line {line}: Blueprint(...)" for line in blueprints_created(module)]


def _views_module_not_imported_by_views_py(module: str) -> list[str]:
    if not file_name(module).endswith("_views"):
        return []
    holder = f"{containing_package(module)}.views"
    if holder not in app_modules():
        return [f"its package has no views.py to import it from ({holder})"]
    if module not in {found.imported for found in imports_of(holder)}:
        return [f"{holder} does not import it, so its routes register only if something else does"]
    return []


LAYOUT_RULES = [
    LayoutRule("a package's views.py creates its blueprint(s) and registers no routes (they go in *_views.py)",
               _views_py_without_a_blueprint_or_with_routes),
    LayoutRule("routes (@bp.route, @bp.get, @bp.post..., bp.add_url_rule) are registered only in *_views.py modules",
               _routes_outside_a_views_module),
    LayoutRule("blueprints are created only in a package's views.py", _blueprint_outside_views_py),
    LayoutRule("a package's views.py imports each of its *_views.py, so that their routes register",
               _views_module_not_imported_by_views_py),
]


def layout_violations(rule: LayoutRule) -> Iterator[str]:
    for module in app_modules():
        for what in rule.breaks(module):
            yield f"{module} {what}: breaks the rule “{rule.name}”"


@pytest.mark.parametrize("rule", LAYOUT_RULES, ids=[rule.breaks.__name__.strip("_") for rule in LAYOUT_RULES])
def test_file_layout(rule):
    broken = list(layout_violations(rule))
    assert not broken, "\n".join(broken)


def test_every_route_helper_exception_is_still_needed():
    """An exception for a module that no longer registers routes would silently allow it back."""
    stale = sorted(module for module in ROUTES_ON_A_CALLERS_BLUEPRINT
                   if module not in app_modules() or not route_registrations(module))
    assert not stale, f"Listed in ROUTES_ON_A_CALLERS_BLUEPRINT but registering no routes; remove them: {stale}"


def test_the_layout_reader_sees_every_way_of_adding_a_route():
    """The layout rules are only as good as the reader: decorators with and without arguments,
    add_url_rule, and a blueprint made in views.py."""
    record = [what for _, what in route_registrations("app.risks.record_views")]
    assert "@bp.get on detail()" in record and "@bp.route on new()" in record
    assert any(what == "bp.add_url_rule()" for _, what in route_registrations("app.common.imports"))
    assert blueprints_created("app.controls.views") and len(blueprints_created("app.controls.views")) == 2
    assert not route_registrations("app.risks.views") and not route_registrations("app.risks.services")
    assert file_name("app.risks") == "__init__" and file_name("app.risks.views") == "views"

