"""The load of `make bench` (benchmarks/bench.py runs one user class per scenario, headless).

Reads what benchmarks/fixtures.py prepared from the JSON file named by ``BENCH_FIXTURES``,
and writes the queries each response reported (header ``X-Bench-Queries``) to the JSON file
named by ``BENCH_QUERIES_OUT`` when the run stops, with the number of complete submissions and
of 429 answers. Users wait for nothing between requests: every scenario measures the server's
capacity at that concurrency.

The mixed profile (``MixedCitizen`` and ``MixedOfficer`` at once) runs against a server with
the real rate limits that trusts one proxy; each simulated citizen sends its own address in
``X-Forwarded-For`` as that proxy would.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
import uuid
from collections import defaultdict
from typing import Any

from locust import FastHttpUser, events, task
from locust.exception import StopUser

from benchmarks.middleware import QUERY_COUNT_HEADER
from benchmarks.scenarios import client_address, sign_callback

FIXTURES: dict[str, Any] = (
    json.loads(open(os.environ["BENCH_FIXTURES"]).read()) if os.environ.get("BENCH_FIXTURES") else {}  # noqa: SIM115
)
QUERIES: dict[str, list[int]] = defaultdict(lambda: [0, 0])
COMPLETED = [0]
RATE_LIMITED = [0]
_DRAFTS = iter(FIXTURES.get("drafts", []))
_MIXED_DRAFTS = iter(enumerate(FIXTURES.get("mixed_drafts", [])))
PHOTO = (
    open(FIXTURES["photo_path"], "rb").read() if FIXTURES.get("photo_path") else b""  # noqa: SIM115
)
DEEP_PAGE = 999_999  # the queue clamps a page past the end to its last page

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION_INPUT = re.compile(r'name="version" value="(\d+)"')
OFFICE_OPTION = re.compile(r'<option value="([0-9a-f-]{36})"')
BILLING_CODE = re.compile(r"font-monospace\">([0-9 ]{15,25})</dd>")
BILL_TOTAL = re.compile(r"<strong>Rp[^0-9]*([0-9.]+)</strong>")


@events.request.add_listener
def _count_queries(name: str, response: Any = None, exception: Any = None, **kwargs: Any) -> None:
    if response is None:
        return
    if getattr(response, "status_code", None) == 429:
        RATE_LIMITED[0] += 1
    if exception is not None:
        return
    value = response.headers.get(QUERY_COUNT_HEADER) if response.headers else None
    if value is not None:
        QUERIES[name][0] += int(value)
        QUERIES[name][1] += 1


@events.quitting.add_listener
def _write_queries(environment: Any, **kwargs: Any) -> None:
    out = os.environ.get("BENCH_QUERIES_OUT")
    if out:
        with open(out, "w") as handle:
            json.dump(
                {"queries": dict(QUERIES), "completed": COMPLETED[0], "rate_limited": RATE_LIMITED[0]},
                handle,
            )


class _Base(FastHttpUser):
    abstract = True
    session_fixture = ""

    def on_start(self) -> None:
        if self.session_fixture:
            self.client.cookiejar.set_cookie(
                _cookie(FIXTURES["session_cookie"], FIXTURES[self.session_fixture])
            )


def _cookie(name: str, value: str) -> Any:
    from http.cookiejar import Cookie

    return Cookie(
        0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, False, None, None, {}
    )


def _get(user: FastHttpUser, path: str, name: str) -> None:
    with user.client.get(path, name=name, catch_response=True, allow_redirects=False) as response:
        if response.status_code != 200:
            response.failure(f"status {response.status_code}")


class FloorAnonymous(_Base):
    @task
    def floor(self) -> None:
        _get(self, "/bench/floor/", "floor (anonymous)")


class FloorSignedIn(_Base):
    session_fixture = "citizen_session"

    @task
    def floor(self) -> None:
        _get(self, "/bench/floor/", "floor (signed in)")


class QueueFirstPage(_Base):
    session_fixture = "officer_session"

    @task
    def queue(self) -> None:
        _get(self, "/staf/antrean/", "queue, first page")


class QueueByService(_Base):
    session_fixture = "officer_session"

    @task
    def queue(self) -> None:
        _get(self, f"/staf/antrean/?service={FIXTURES['service_filter']}", "queue, by service")


class QueueDeepPage(_Base):
    session_fixture = "officer_session"

    @task
    def queue(self) -> None:
        _get(self, f"/staf/antrean/?page={DEEP_PAGE}", "queue, last page")


class QueueSearch(_Base):
    session_fixture = "officer_session"

    def on_start(self) -> None:
        super().on_start()
        self.references = itertools.cycle(FIXTURES["search_references"])
        page = self.client.get("/staf/antrean/", name="queue (for the CSRF token)")
        found = CSRF_INPUT.search(page.text or "")
        if found is None:
            raise StopUser()
        self.csrf = found.group(1)

    @task
    def search(self) -> None:
        reference = next(self.references)
        with self.client.post(
            "/staf/antrean/cari/",
            data={"csrfmiddlewaretoken": self.csrf, "text": reference},
            headers={"Referer": f"{self.host}/staf/antrean/"},
            name="queue, search by reference",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or reference not in (response.text or ""):
                response.failure(
                    f"status {response.status_code}, reference found: {reference in (response.text or '')}"
                )


class ReviewPage(_Base):
    session_fixture = "officer_session"

    def on_start(self) -> None:
        super().on_start()
        self.targets = itertools.cycle(FIXTURES["review_public_ids"])

    @task
    def review(self) -> None:
        _get(self, f"/staf/antrean/{next(self.targets)}/", "review page")


class CitizenDashboard(_Base):
    session_fixture = "citizen_session"

    @task
    def dashboard(self) -> None:
        _get(self, "/warga/", "citizen dashboard")


class ApplicationDetail(_Base):
    session_fixture = "citizen_session"

    @task
    def detail(self) -> None:
        _get(self, f"/warga/permohonan/{FIXTURES['detail_public_id']}/", "application page")


class SupervisorDashboard(_Base):
    session_fixture = "supervisor_session"

    @task
    def dashboard(self) -> None:
        _get(self, "/staf/pengawasan/", "supervisor dashboard")


class VerificationPage(_Base):
    def on_start(self) -> None:
        self.tokens = itertools.cycle(FIXTURES["verification_tokens"])

    @task
    def verify(self) -> None:
        _get(self, f"/verify/{next(self.tokens)}/", "verification page")


def _check_failed(name: str, message: str) -> None:
    events.request.fire(
        request_type="CHECK",
        name=name,
        response_time=0,
        response_length=0,
        exception=AssertionError(message),
        context={},
    )


def submit_and_pay(user: FastHttpUser, draft: dict[str, str], headers: dict[str, str]) -> bool:
    """The submit page, the submission, the application page (where the citizen reads the
    billing code and total), then the bank's signed callback; True when it was applied."""
    submit_url = f"/warga/permohonan/{draft['public_id']}/ajukan/"
    page = user.client.get(submit_url, name="submit page", headers=headers)
    text = page.text or ""
    csrf, version, office = (
        CSRF_INPUT.search(text),
        VERSION_INPUT.search(text),
        OFFICE_OPTION.search(text),
    )
    if not (csrf and version and office):
        _check_failed("submit page has the form", "no form")
        return False
    with user.client.post(
        submit_url,
        data={
            "csrfmiddlewaretoken": csrf.group(1),
            "version": version.group(1),
            "office": office.group(1),
        },
        headers={**headers, "Referer": f"{user.host}{submit_url}"},
        name="submit",
        allow_redirects=False,
        catch_response=True,
    ) as response:
        if response.status_code != 302:
            response.failure(f"status {response.status_code}")
            return False
    detail = user.client.get(
        f"/warga/permohonan/{draft['public_id']}/", name="application page after submit", headers=headers
    )
    code, total = BILLING_CODE.search(detail.text or ""), BILL_TOTAL.search(detail.text or "")
    if not (code and total):
        _check_failed("application page shows the bill", "no bill")
        return False
    body = json.dumps(
        {
            "event_id": f"bench-{draft['public_id']}",
            "type": "payment.succeeded",
            "billing_code": code.group(1).replace(" ", ""),
            "amount": int(total.group(1).replace(".", "")),
            "reference": f"BENCH{draft['public_id'][:8]}",
            "paid_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        },
        separators=(",", ":"),
    ).encode()
    timestamp = str(int(time.time()))
    # The bank calls from its own address, not the citizen's.
    with user.client.post(
        "/payments/webhooks/sandbox/",
        data=body.decode(),
        headers={
            "Content-Type": "application/json",
            "X-Payment-Timestamp": timestamp,
            "X-Payment-Signature": sign_callback(FIXTURES["payment_secret"], timestamp, body),
        },
        name="payment callback",
        catch_response=True,
    ) as response:
        if response.status_code != 200 or '"applied"' not in (response.text or ""):
            response.failure(f"status {response.status_code}: {(response.text or '')[:80]}")
            return False
    COMPLETED[0] += 1
    return True


class SubmitAndPay(_Base):
    """One complete application per iteration (``submit_and_pay``). A user whose drafts run
    out stops."""

    @task
    def submit_and_pay(self) -> None:
        draft = next(_DRAFTS, None)
        if draft is None:
            raise StopUser()
        self.client.cookiejar.clear()
        self.client.cookiejar.set_cookie(_cookie(FIXTURES["session_cookie"], draft["session"]))
        submit_and_pay(self, draft, {})


def multipart(
    fields: dict[str, str], name: str, filename: str, content: bytes, content_type: str
) -> tuple[bytes, str]:
    """A multipart/form-data body with one file, as a browser sends it (locust's fast client
    has no ``files``)."""
    boundary = f"----bench{uuid.uuid4().hex}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class MixedCitizen(_Base):
    """The mixed profile's citizen: one prepared draft each, its photo still missing; from the
    citizen's own address (``X-Forwarded-For``): the documents page, the photo's upload, then
    ``submit_and_pay``. A user whose drafts run out stops."""

    weight = 3

    @task
    def upload_and_submit(self) -> None:
        taken = next(_MIXED_DRAFTS, None)
        if taken is None:
            raise StopUser()
        n, draft = taken
        headers = {"X-Forwarded-For": client_address(n)}
        self.client.cookiejar.clear()
        self.client.cookiejar.set_cookie(_cookie(FIXTURES["session_cookie"], draft["session"]))
        documents_url = f"/warga/permohonan/{draft['public_id']}/dokumen/"
        page = self.client.get(documents_url, name="documents page", headers=headers)
        found = CSRF_INPUT.search(page.text or "")
        if found is None:
            _check_failed("documents page has the form", "no form")
            return
        body, content_type = multipart(
            {"csrfmiddlewaretoken": found.group(1), "kind": "photo"},
            "file",
            "photo.jpg",
            PHOTO,
            "image/jpeg",
        )
        with self.client.post(
            documents_url,
            data=body,  # type: ignore[arg-type, unused-ignore]  # bytes (unused without locust installed): geventhttpclient sends them as they are
            headers={**headers, "Content-Type": content_type, "Referer": f"{self.host}{documents_url}"},
            name="upload a photo",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
                return
        submit_and_pay(self, draft, headers)


class MixedOfficer(QueueFirstPage):
    """The mixed profile's officer: the queue's first page, again and again."""

    weight = 1
