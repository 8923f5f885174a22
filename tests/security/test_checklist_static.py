"""SECURITY.md §8 item 26 (and §1.9): no request data is spread as ``**kwargs`` into a call.

Django 5.2's SQL-injection advisories (CVE-2025-57833, CVE-2025-64459 ``_connector``,
CVE-2025-13372) came through ``**kwargs`` built from user input into ``filter()``, ``Q()``,
``annotate()`` and ``alias()``. The project has no semgrep (its registry rules need the
network); tests/security/test_sweeps_forms.py catches a direct ``**request.GET…`` spread, and
this AST walk is the stricter local rule: it also follows a dict built from the request into a
variable of the same function (``wanted = request.POST.dict(); Q(**wanted)``), a comprehension
over the request's items, and request data used as the *keys* of a spread dict literal.

The checker is first shown to catch each bad example, so a checker that finds nothing cannot
pass by accident. (Item 4's "ModelForm fields are explicit" is test_sweeps_forms.py.)
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
OUR_APPS = [
    app
    for app in settings.INSTALLED_APPS
    if "." not in app and (BASE / app).is_dir() and (BASE / app / "__init__.py").exists()
]


# --- item 26: no request data spread into calls -------------------------------------------------

REQUEST_SOURCES = ("request.GET", "request.POST", "request.data", "request.COOKIES", "request.headers")


def _from_request(node: ast.expr) -> bool:
    """The request's data itself, or a dict made straight from it (``request.GET.dict()``,
    ``dict(request.POST)``, a comprehension over ``request.GET.items()``), not a form or a
    function that was merely given it."""
    text = ast.unparse(node)
    if text.startswith(REQUEST_SOURCES):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        return any(_from_request(arg) for arg in node.args)
    if isinstance(node, ast.DictComp):
        return any(_from_request(generator.iter) for generator in node.generators)
    return False


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def spread_request_data(source: str) -> list[int]:
    """Lines where a call spreads ``**`` keyword names taken from the request: the request's
    data itself, a dict made from it, or a variable assigned such a dict in the same function.
    (A dict literal is judged by its keys: its values are bound as parameters.)"""
    tree = ast.parse(source)
    lines = []
    scopes: list[ast.AST] = [
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    for scope in [*scopes, tree]:
        tainted = set()
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and _from_request(node.value):
                tainted |= {t.id for t in node.targets if isinstance(t, ast.Name)}

        def bad(expr: ast.expr, tainted: set[str] = tainted) -> bool:
            return _from_request(expr) or _root_name(expr) in tainted

        for node in ast.walk(scope):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg is not None:
                    continue  # a named argument, not a ** spread
                value = keyword.value
                if isinstance(value, ast.Dict):
                    if any(key is not None and bad(key) for key in value.keys):
                        lines.append(node.lineno)
                elif bad(value):
                    lines.append(node.lineno)
    return sorted(set(lines))


def test_the_spread_checker_catches_the_advisories_pattern() -> None:
    bad = (
        "def view(request):\n"
        "    return Application.objects.filter(**request.GET.dict())\n"
        "def other(request):\n"
        "    wanted = request.POST.dict()\n"
        "    return Q(**wanted)\n"
        "def third(request):\n"
        "    return qs.annotate(**{k: F(v) for k, v in request.GET.items()})\n"
        "def fourth(request):\n"
        "    return qs.filter(**{request.GET['field']: 1})\n"
    )
    good = (
        "def view(request):\n"
        "    return Application.objects.filter(status=request.GET.get('status'))\n"
        "def form_view(request):\n"
        "    form = Form(request.POST)\n"
        "    return render(request, 'x.html', **{'form': form}, **form.cleaned_data)\n"
    )
    assert spread_request_data(bad) == [2, 5, 7, 9]
    assert spread_request_data(good) == []


def test_no_request_data_is_spread_into_a_call() -> None:
    found = []
    for app in OUR_APPS:
        for path in sorted((BASE / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line in spread_request_data(path.read_text()):
                found.append(f"{path.relative_to(BASE)}:{line}")
    assert found == []
