"""Mass assignment, statically (SECURITY.md §1.1 8.2.3 and 15.3.3; issue 11 point 2).

* Every ``ModelForm`` of the project names its fields: never ``"__all__"``, never ``exclude``
  (a new model column must not become editable by itself).
* Every admin of a project model either names its fields, or can neither add nor change, or is
  one of the reference tables listed below whose form fields are pinned here.
* No request data is spread into a call (``**request.POST``, ``**request.GET``, ``**form.data``):
  the ORM's keyword arguments are where Django's 2025 SQL injections came in, and a spread dict
  is how an extra posted field would reach a model.

The citizen forms are plain ``forms.Form``s; that their views ignore extra posted fields is shown
with real requests in tests/security/test_sweeps_requests.py (profile, draft, delivery address,
refund account, vehicle unlock).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory

from tests.factories import UserFactory

BASE = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = (
    "accounts",
    "applications",
    "audit",
    "delivery",
    "documents",
    "korlantas",
    "licensing",
    "notifications",
    "offices",
    "payments",
    "privacy",
    "supervision",
    "vehicles",
)

# Admins of reference tables that administrators maintain column by column: every field of the
# model is meant to be editable there. Pinned, so that a new column is a decision, not an accident.
WHOLE_MODEL_ADMINS = {
    "accounts.StaffMembership": "who works where: user, office or Polda (administrators only)",
    "offices.Polda": "the regional police commands",
    "vehicles.RegionCode": "plate region codes",
    "vehicles.ProvinceTaxRule": "provincial vehicle tax rules",
    "vehicles.SwdklljTariff": "Jasa Raharja tariffs",
}


def project_packages() -> list[str]:
    return [name for name in PROJECT_PACKAGES if (BASE / name).is_dir()]


def import_project_modules() -> None:
    for package_name in project_packages():
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            if ".migrations" in module.name or module.name.endswith((".tests", ".conftest")):
                continue
            importlib.import_module(module.name)


def subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= subclasses(sub)
    return found


def is_project(cls: type) -> bool:
    return cls.__module__.split(".")[0] in project_packages()


def test_model_forms_name_their_fields() -> None:
    import_project_modules()
    model_forms = sorted(
        (cls for cls in subclasses(forms.ModelForm) if is_project(cls)), key=lambda c: c.__qualname__
    )
    assert model_forms, "no ModelForm found: the scan looks in the wrong place"
    wrong = []
    for form_class in model_forms:
        meta = getattr(form_class, "Meta", None)
        fields = getattr(meta, "fields", None)
        if getattr(meta, "exclude", None):
            wrong.append(f"{form_class.__module__}.{form_class.__qualname__}: Meta.exclude")
        if fields is None or fields == forms.ALL_FIELDS or isinstance(fields, str):
            wrong.append(f"{form_class.__module__}.{form_class.__qualname__}: fields={fields!r}")
    assert not wrong, "ModelForms must list their fields:\n" + "\n".join(wrong)


def model_label(model: type) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


@pytest.mark.django_db
def test_admins_name_their_fields_or_cannot_write() -> None:
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    open_ended = {}
    for model, model_admin in admin.site._registry.items():
        if not is_project(type(model_admin)):
            continue
        writes = model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        named = bool(model_admin.fields or model_admin.fieldsets)
        form_meta = getattr(model_admin.form, "Meta", None)
        named = named or bool(getattr(form_meta, "fields", None))
        if writes and not named:
            form = model_admin.get_form(request)
            open_ended[model_label(model)] = sorted(form.base_fields)
    assert sorted(open_ended) == sorted(WHOLE_MODEL_ADMINS), (
        "admins that edit every column of their model; name their fields, or add them to "
        f"WHOLE_MODEL_ADMINS with the reason: {open_ended}"
    )
    for label, fields in open_ended.items():
        model = next(m for m in admin.site._registry if model_label(m) == label)
        editable = sorted(
            f.name
            for f in model._meta.get_fields()
            if getattr(f, "editable", False) and not f.auto_created and f.concrete
        )
        # Nothing beyond the model's own editable columns (no extra form field sneaks in).
        assert set(fields) <= set(editable) | {f.name for f in model._meta.many_to_many}, (label, fields)


# --- no request data spread into a call ---------------------------------------------------

SPREAD_SOURCES = ("request.POST", "request.GET", "request.data", "request.FILES", "form.data")


def spreads(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg is None:  # **something
                    text = ast.unparse(keyword.value)
                    if text.startswith(SPREAD_SOURCES) or "request.POST" in text or "request.GET" in text:
                        found.append((node.lineno, text))
    return found


def test_no_request_data_is_spread_into_a_call() -> None:
    offenders = []
    for package_name in project_packages():
        for path in sorted((BASE / package_name).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line, text in spreads(ast.parse(path.read_text(), filename=str(path))):
                offenders.append(f"{path.relative_to(BASE)}:{line}: **{text}")
    assert not offenders, "\n".join(offenders)


def test_the_spread_check_sees_a_spread() -> None:
    assert spreads(ast.parse("Application.objects.filter(**request.GET.dict())")) == [
        (1, "request.GET.dict()")
    ]
    assert spreads(ast.parse("Shipment(**form.data)")) == [(1, "form.data")]
    assert spreads(ast.parse("Shipment(**form.cleaned_data)")) == []
