"""docker-compose.yml and the Dockerfile, checked against the code they start.

Docker is not needed: both files are parsed, and every command they run is resolved the
way its program would resolve it — gunicorn's ``module:attribute`` and options, Celery's
``-A`` app, subcommand, options and queues, ``manage.py``'s commands and options. A
misspelt queue, command or option fails here, not in a container restarting in a loop.
"""

from __future__ import annotations

import importlib
import json
import re
import shlex
import tomllib
from typing import Any

import click
import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from celery.bin.celery import celery as celery_cli
from django.conf import settings
from django.core.management import CommandError, get_commands, load_command_class
from gunicorn.config import Config as GunicornConfig

from korlantas.celery import app as korlantas_celery_app
from tests.korlantas.test_settings_profiles import SWITCH_NAMES, run_python
from tests.utils import BASE_DIR

COMPOSE_FILE = BASE_DIR / "docker-compose.yml"
DOCKERFILE = BASE_DIR / "Dockerfile"
SETTINGS_SOURCE = BASE_DIR / "korlantas" / "settings.py"

# The services built from the image, and the ones they depend on.
APP_SERVICES = ("migrate", "web", "worker", "pdf-worker", "beat")
BACKING_SERVICES = ("postgres", "redis", "mailpit")
SHELLS = ("sh", "bash", "/bin/sh", "/bin/bash")
SHELL_OPERATORS = {"&&", "||", ";", "|", "&"}


# --- Reading the files ------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(loaded, dict)
    assert isinstance(loaded.get("services"), dict)
    return loaded


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return dockerfile_instructions(DOCKERFILE.read_text())


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        keyword, _, arguments = (current + stripped).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    assert not current, "the Dockerfile ends inside a continued line"
    return instructions


def image_environment(dockerfile: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, arguments in dockerfile:
        if keyword == "ENV":
            for pair in shlex.split(arguments):
                name, _, value = pair.partition("=")
                env[name] = value
    return env


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {str(name): "" if value is None else str(value) for name, value in env.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """Each dependency with its condition (the list form means "started")."""
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return dict.fromkeys(depends, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in depends.items()}


def volume_mounts(service: dict[str, Any]) -> dict[str, str]:
    """Mount target -> source for each volume of a service (short and long syntax)."""
    mounts = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            mounts[volume["target"]] = volume.get("source", "")
        else:
            source, _, rest = volume.partition(":")
            mounts[rest.partition(":")[0]] = source
    return mounts


VARIABLE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, provided: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error} and $$."""

    def replace(match: re.Match[str]) -> str:
        if match[0] == "$$":
            return "$"
        name, op = match["name"], match["op"] or ""
        if name in provided and (provided[name] or not op.startswith(":")):
            return provided[name]
        if op.endswith("?"):
            raise AssertionError(f"compose requires {name}: {match['arg']}")
        return match["arg"] if op.endswith("-") else ""

    return VARIABLE.sub(replace, value)


# --- Resolving commands -----------------------------------------------------------------


def simple_commands(command: str | list[str]) -> list[list[str]]:
    """The programs a compose command runs: `sh -c "a && b"` is split into a and b."""
    argv = shlex.split(command) if isinstance(command, str) else [str(part) for part in command]
    if len(argv) == 3 and argv[0] in SHELLS and argv[1] == "-c":
        lexer = shlex.shlex(argv[2], posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        commands: list[list[str]] = [[]]
        for token in lexer:
            if token in SHELL_OPERATORS:
                commands.append([])
            else:
                commands[-1].append(token)
    else:
        commands = [argv]
    commands = [argv[1:] if argv[:1] == ["exec"] else argv for argv in commands]
    assert all(commands), f"an empty command in {command!r}"
    return commands


def check_entry_point(argv: list[str]) -> dict[str, Any]:
    """Fails unless argv names a real entry point; returns what it resolved to."""
    program, *args = argv
    if program == "gunicorn":
        return {"program": "gunicorn", "app": check_gunicorn(args)}
    if program == "celery":
        return {"program": "celery", **check_celery(args)}
    if program in ("python", "python3") and args[:1] == ["manage.py"]:
        return {"program": "manage.py", "command": check_manage_py(args[1:])}
    raise AssertionError(f"not a known entry point of the portal: {shlex.join(argv)}")


def check_gunicorn(args: list[str]) -> str:
    try:
        parsed = GunicornConfig().parser().parse_args(args)
    except SystemExit:
        raise AssertionError(f"gunicorn refuses its arguments: {shlex.join(args)}") from None
    assert len(parsed.args) == 1, f"gunicorn needs exactly one app, got {parsed.args}"
    module_name, _, attribute = parsed.args[0].partition(":")
    assert attribute, f"gunicorn's app must be module:attribute, not {parsed.args[0]!r}"
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise AssertionError(f"gunicorn cannot import {module_name}: {error}") from None
    assert callable(getattr(module, attribute, None)), f"{module_name} has no callable {attribute!r}"
    assert parsed.bind, "gunicorn must --bind an address reachable from outside the container"
    return parsed.args[0]


def parse_click_options(command: click.Command, args: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """The options before the first positional argument, by parameter name, and the rest.

    Only the option names and arities are read from click, so no callback runs."""
    options = {
        name: param
        for param in command.params
        if isinstance(param, click.Option)
        for name in (*param.opts, *param.secondary_opts)
    }
    values: dict[str, list[str]] = {}
    rest = list(args)
    while rest and rest[0].startswith("-"):
        token = rest.pop(0)
        if token.startswith("--"):
            name, equals, value = token.partition("=")
            attached = bool(equals)
        else:
            name, value = token[:2], token[2:]
            attached = bool(value)
        param = options.get(name)
        assert param is not None, f"`celery {command.name}` has no option {name}"
        if param.is_flag or param.count:
            assert not attached, f"{name} takes no value"
            value = ""
        elif not attached:
            assert rest, f"{name} needs a value"
            value = rest.pop(0)
        values.setdefault(str(param.name), []).append(value)
    return values, rest


def check_celery(args: list[str]) -> dict[str, Any]:
    global_options, rest = parse_click_options(celery_cli, args)
    assert len(global_options.get("app", [])) == 1, "celery needs exactly one -A/--app"
    try:
        app = find_app(global_options["app"][0])
    except (ImportError, AttributeError) as error:
        raise AssertionError(f"celery finds no app {global_options['app'][0]!r}: {error}") from None
    assert isinstance(app, Celery)
    assert app is korlantas_celery_app, "-A must name the portal's app, korlantas.celery.app"
    assert rest, "celery without a subcommand"
    subcommand, *sub_args = rest
    assert subcommand in ("worker", "beat"), f"celery {subcommand} is not a worker or beat"
    options, positional = parse_click_options(celery_cli.commands[subcommand], sub_args)
    assert not positional, f"unexpected arguments to celery {subcommand}: {positional}"
    known = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    named = [q for value in options.get("queues", []) for q in value.split(",") if q]
    excluded = [q for value in options.get("exclude_queues", []) for q in value.split(",") if q]
    for queue in (*named, *excluded):
        assert queue in known, f"queue {queue!r} is not in settings.CELERY_TASK_QUEUES {known}"
    consumed = set(named or known) - set(excluded) if subcommand == "worker" else set()
    return {"subcommand": subcommand, "queues": consumed}


def check_manage_py(args: list[str]) -> str:
    assert args, "manage.py without a command"
    name, *options = args
    commands = get_commands()
    assert name in commands, f"manage.py has no command {name!r}"
    command = load_command_class(commands[name], name)
    try:
        command.create_parser("manage.py", name).parse_args(options)
    except CommandError as error:
        raise AssertionError(f"manage.py {name} refuses {shlex.join(options)}: {error}") from None
    return name


def check_every_part(command: str | list[str]) -> list[dict[str, Any]]:
    return [check_entry_point(argv) for argv in simple_commands(command)]


def resolved(compose: dict[str, Any], service: str) -> list[dict[str, Any]]:
    command = compose["services"][service].get("command")
    assert command, f"{service} must say its command (the image's CMD runs only the web server)"
    return check_every_part(command)


# --- The checks ---------------------------------------------------------------------------


def test_every_service_exists(compose: dict[str, Any]) -> None:
    missing = set(APP_SERVICES + BACKING_SERVICES) - set(compose["services"])
    assert not missing, f"docker-compose.yml lacks {sorted(missing)}"


def test_exactly_the_app_services_run_the_portal_image(compose: dict[str, Any]) -> None:
    """A new service built from the image must be added to APP_SERVICES, and so be checked."""
    web_image = compose["services"]["web"].get("image")
    from_image = {
        name
        for name, service in compose["services"].items()
        if "build" in service or (web_image and service.get("image") == web_image)
    }
    assert from_image == set(APP_SERVICES)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_app_command_names_a_real_entry_point(compose: dict[str, Any], service: str) -> None:
    assert resolved(compose, service)


def test_the_workers_consume_every_queue_and_one_beat_schedules(compose: dict[str, Any]) -> None:
    entry_points = [entry for service in APP_SERVICES for entry in resolved(compose, service)]
    consumed = {q for entry in entry_points if entry.get("subcommand") == "worker" for q in entry["queues"]}
    assert consumed == {queue.name for queue in settings.CELERY_TASK_QUEUES}
    assert [entry.get("subcommand") for entry in entry_points].count("beat") == 1


def test_migrate_migrates_then_seeds_once(compose: dict[str, Any]) -> None:
    commands = [entry.get("command") for entry in resolved(compose, "migrate")]
    assert commands == ["migrate", "seed"]
    # A one-shot container with a restart policy would migrate and seed forever.
    assert str(compose["services"]["migrate"].get("restart", "no")) == "no"


def test_web_runs_gunicorn(compose: dict[str, Any]) -> None:
    assert [entry["program"] for entry in resolved(compose, "web")] == ["gunicorn"]


def test_every_app_service_has_the_same_production_environment(compose: dict[str, Any]) -> None:
    envs = {service: environment(compose["services"][service]) for service in APP_SERVICES}
    web_env = envs["web"]
    for service, env in envs.items():
        assert env == web_env, f"{service}'s environment differs from web's"
    assert web_env.get("DJANGO_ENV") == "production"
    missing = set(settings.REQUIRED_IN_PRODUCTION) - {name for name, value in web_env.items() if value}
    assert not missing, f"production refuses to start without {sorted(missing)}"
    # No default secret: compose stops unless the operator gives one.
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]*\}", web_env["SECRET_KEY"])
    assert not set(web_env) & set(SWITCH_NAMES), "production refuses development-only switches"
    source = SETTINGS_SOURCE.read_text()
    unread = [name for name in web_env if f'"{name}"' not in source and f"'{name}'" not in source]
    assert not unread, f"korlantas/settings.py reads no {unread}"


def test_production_settings_load_in_the_containers_environment(
    compose: dict[str, Any], dockerfile: list[tuple[str, str]]
) -> None:
    """The image's ENV with compose's environment over it, as the container sees them."""
    provided = {
        "SECRET_KEY": "compose-test-" + "k" * 50,
        "PII_ENCRYPTION_KEYS": "k1:" + "A" * 43,
        "PII_BLIND_INDEX_KEY": "compose-test-blind-index-key",
    }
    env = image_environment(dockerfile)
    env.update(
        {
            name: interpolate(value, provided)
            for name, value in environment(compose["services"]["web"]).items()
        }
    )
    code = (
        "import django, json; django.setup()\n"
        "from django.conf import settings as s\n"
        "print(json.dumps({'production': s.PRODUCTION, 'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS,"
        " 'email': [s.EMAIL_HOST, s.EMAIL_PORT], 'media': str(s.MEDIA_ROOT),"
        " 'ssl_redirect': s.SECURE_SSL_REDIRECT}))"
    )
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.splitlines()[-1])
    assert loaded["production"] is True
    assert loaded["debug"] is False
    assert loaded["hosts"] == ["localhost", "127.0.0.1"]
    assert loaded["email"] == ["mailpit", 1025]
    assert loaded["media"] == env["MEDIA_ROOT"]
    assert loaded["ssl_redirect"] is False


def test_web_and_workers_share_the_media_volume_at_media_root(compose: dict[str, Any]) -> None:
    services = compose["services"]
    media_root = environment(services["web"])["MEDIA_ROOT"]
    sources = {
        name: volume_mounts(services[name]).get(media_root) for name in ("web", "worker", "pdf-worker")
    }
    assert all(sources.values()), f"not mounted at {media_root}: {sources}"
    assert len(set(sources.values())) == 1, sources
    assert next(iter(sources.values())) in (compose.get("volumes") or {}), "media must be a named volume"


def test_web_waits_for_migrations_and_healthy_stores(compose: dict[str, Any]) -> None:
    services = compose["services"]
    web = depends_on(services["web"])
    assert web.get("migrate") == "service_completed_successfully"
    for store in ("postgres", "redis"):
        assert web.get(store) == "service_healthy"
        assert (services[store].get("healthcheck") or {}).get("test"), f"{store} has no healthcheck"
    assert depends_on(services["migrate"]).get("postgres") == "service_healthy"
    # Beat reads its schedule from migrated tables; workers write to them.
    for name in ("worker", "pdf-worker", "beat"):
        assert depends_on(services[name]).get("migrate") == "service_completed_successfully", name


def test_the_image_installs_the_requirements_and_runs_web(
    compose: dict[str, Any], dockerfile: list[tuple[str, str]]
) -> None:
    keywords = [keyword for keyword, _ in dockerfile]
    python_version = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]["requires-python"]
    assert dockerfile[0][0] == "FROM"
    assert dockerfile[0][1].startswith("python:" + re.findall(r"3\.\d+", python_version)[0])

    pip_installs = [
        index
        for index, (keyword, arguments) in enumerate(dockerfile)
        if keyword == "RUN"
        and re.search(r"\bpip install\b[^&;]*(-r|--requirement)\s+requirements\.txt", arguments)
    ]
    assert pip_installs, "the image must pip install -r requirements.txt"
    copies = [
        index
        for index, (keyword, arguments) in enumerate(dockerfile)
        if keyword == "COPY" and re.search(r"(^|\s)(requirements\.txt|\.)\s", arguments)
    ]
    assert copies, "requirements.txt is never copied into the image"
    assert copies[0] < pip_installs[0], "requirements.txt must be copied before pip runs"
    assert any(keyword == "RUN" and "collectstatic" in arguments for keyword, arguments in dockerfile)

    users = [arguments for keyword, arguments in dockerfile if keyword == "USER"]
    assert users, "the image must name a USER"
    assert users[-1].partition(":")[0] not in ("root", "0"), "the image must not run as root"
    assert keywords.index("USER") < len(keywords) - 1 - keywords[::-1].index("CMD")

    cmd = [arguments for keyword, arguments in dockerfile if keyword == "CMD"][-1]
    assert cmd.startswith("["), "CMD in exec form, so gunicorn gets the signals"
    cmd_entry = check_entry_point(json.loads(cmd))
    assert cmd_entry["program"] == "gunicorn"
    assert cmd_entry["app"] == resolved(compose, "web")[0]["app"]
    exposed = {port for keyword, arguments in dockerfile if keyword == "EXPOSE" for port in arguments.split()}
    assert "8000" in exposed


# --- The checks catch what they are for ---------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["celery", "-A", "korlantas", "worker", "--queues", "default,notification"],
        ["celery", "-A", "korlantas", "worker", "-Qpfd"],
        ["celery", "-A", "korlantas", "worker", "--concurency", "2"],
        ["celery", "-A", "korlantas", "flower"],
        ["celery", "-A", "accounts", "beat"],
        ["gunicorn", "korlantas.wsgi:app", "--bind", "0.0.0.0:8000"],
        ["gunicorn", "korlantas.wsgi:application", "--bind", "0.0.0.0:8000", "--wokers", "3"],
        ["sh", "-c", "python manage.py migrate --noinput && python manage.py sed"],
        ["sh", "-c", "python manage.py migrate --fake-it && python manage.py seed"],
        ["sh", "-c", "python manage.py migrate &&"],
        ["uwsgi", "--module", "korlantas.wsgi"],
    ],
    ids=lambda command: shlex.join(command),
)
def test_a_wrong_command_is_caught(command: list[str]) -> None:
    with pytest.raises(AssertionError):
        check_every_part(command)
