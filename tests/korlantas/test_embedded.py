"""Smoke test of the embedded default (`make run`): start it as a new user would, load
the home page and /healthz, press Ctrl-C, and check that everything it started is gone."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.utils import BASE_DIR, free_port, subprocess_env, wait_until


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _healthy(url: str) -> bool:
    try:
        status, body = fetch(url)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False
    return status == 200 and json.loads(body)["status"] == "ok"


@pytest.mark.slow
def test_make_run_serves_the_portal_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    env = subprocess_env(KORLANTAS_VAR_DIR=str(tmp_path / "var"), DJANGO_ENV="development")
    # The embedded default must need no system service: no URL of a real one is passed.
    for name in ("DATABASE_URL", "REDIS_URL", "KORLANTAS_TEST_RUN_ID"):
        env.pop(name, None)
    # Output goes to a file, not a pipe nobody reads until the end: a full pipe would
    # block the processes writing to it.
    log_path = tmp_path / "make-run.log"
    log_file = log_path.open("w")
    launcher = subprocess.Popen(
        [sys.executable, "-m", "korlantas.embedded", "--port", str(port)],
        cwd=BASE_DIR,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    started: list[psutil.Process] = []
    try:
        wait_until(lambda: _healthy(f"{base}/healthz"), timeout=180, message="the embedded portal")
        status, body = fetch(f"{base}/healthz")
        assert json.loads(body)["checks"] == {"database": "up", "cache": "up", "broker": "up"}
        status, home = fetch(f"{base}/")
        assert status == 200
        assert "Korlantas Digital" in home
        assert 'lang="id"' in home

        run_file = json.loads((tmp_path / "var" / "embedded.json").read_text())
        assert run_file["url"] == f"{base}/"
        pids = run_file["pids"]
        assert set(pids) == {"postgres", "redis", "Celery worker with beat", "web server"}
        started = [psutil.Process(pid) for pid in pids.values()]
        started += psutil.Process(launcher.pid).children(recursive=True)
        assert "--beat" in psutil.Process(pids["Celery worker with beat"]).cmdline()
        assert "redis-server" in psutil.Process(pids["redis"]).name()
        assert "postgres" in psutil.Process(pids["postgres"]).name()
    finally:
        launcher.send_signal(signal.SIGINT)
        launcher.wait(timeout=120)
        log_file.close()
    output = log_path.read_text()
    assert launcher.returncode == 0, output
    assert "[korlantas] stopped" in output
    assert not (tmp_path / "var" / "embedded.json").exists()
    for process in started:
        wait_until(
            lambda process=process: not process.is_running() or process.status() == psutil.STATUS_ZOMBIE,
            timeout=30,
            message=f"process {process.pid} to stop",
        )
    # Mail and SMS go to files in development.
    assert (tmp_path / "var" / "mail").is_dir()
    assert (tmp_path / "var" / "sms").is_dir()
