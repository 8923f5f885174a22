"""Sign a demo account in to a running portal and hand its session to the DAST tools (scripts/dast.sh).

    .venv/bin/python scripts/dast_session.py --base https://127.0.0.1:8443 --ca cert.pem \\
        --seed seed.txt --account citizen --wapiti-cookies citizen.json

Reads the demo accounts from the output of `manage.py seed` (e-mail, password and, for staff, the
TOTP secret), signs in through allauth's login form and, for staff, its second step with a code
computed here (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits). Writes the session's cookies in
wapiti's JSON cookie format and prints one line for sqlmap: `Cookie: name=value; ...`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import re
import struct
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

# A line of `manage.py seed` for a demo account: "<who>: <e-mail> / <password>[ / TOTP secret <S>]".
ACCOUNT_LINE = re.compile(
    r"(?P<who>[^:\n]+): (?P<email>\S+@\S+) / (?P<password>\S+)(?: / TOTP secret (?P<secret>[A-Z2-7=]+))?"
)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def totp(secret: str, at: float, step: int = 30, digits: int = 6) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = struct.pack(">Q", int(at // step))
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return str(code).zfill(digits)


def find_account(seed_output: str, account: str) -> tuple[str, str, str | None]:
    """`account` is "citizen" (the verified citizen) or a staff role ("officer", "supervisor", …):
    the first demo account of that role, at the first demo office."""
    for match in ACCOUNT_LINE.finditer(seed_output):
        who, email = match["who"].strip(), match["email"]
        if account == "citizen" and who.startswith("citizen (") and email.startswith("warga.terverifikasi@"):
            return email, match["password"], None
        if who.startswith(f"{account} at ") and match["secret"]:
            return email, match["password"], match["secret"]
    raise SystemExit(f"no demo account for {account!r} in the seed output")


def csrf_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    if match is None:
        raise SystemExit("no CSRF token on the page")
    return match.group(1)


def post_form(session: requests.Session, url: str, data: dict[str, str]) -> requests.Response:
    page = session.get(url, timeout=30)
    page.raise_for_status()
    form = {"csrfmiddlewaretoken": csrf_token(page.text), **data}
    # Over https Django's CSRF check also wants a same-origin Referer.
    return session.post(url, data=form, headers={"Referer": page.url}, timeout=30)


def sign_in(base: str, ca: str, email: str, password: str, secret: str | None) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE and proxies from the environment would override these
    session.verify = ca
    response = post_form(session, f"{base}/akun/login/", {"login": email, "password": password})
    response.raise_for_status()
    if secret is not None:
        if "/akun/2fa/authenticate/" not in response.url:
            raise SystemExit(f"{email}: expected the second step, got {response.url}")
        # A code is accepted once: wait for a fresh 30-second step if this one is almost over.
        if time.time() % 30 > 25:
            time.sleep(31 - time.time() % 30)
        response = post_form(session, response.url, {"code": totp(secret, time.time())})
        response.raise_for_status()
    if "/akun/" in urlsplit(response.url).path:
        raise SystemExit(f"{email}: sign-in did not complete (ended on {response.url})")
    return session


def wapiti_cookies(session: requests.Session) -> dict[str, dict[str, dict[str, dict[str, object]]]]:
    jar: dict[str, dict[str, dict[str, dict[str, object]]]] = {}
    for cookie in session.cookies:
        domain = cookie.domain.removesuffix(".local")
        domain = domain if re.fullmatch(r"[0-9.]+", domain) else "." + domain.lstrip(".")
        jar.setdefault(domain, {}).setdefault(cookie.path, {})[cookie.name] = {
            "value": cookie.value,
            "expires": cookie.expires,
            "secure": cookie.secure,
            "port": None,
            "version": 0,
        }
    return jar


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base", required=True, help="the portal, e.g. https://127.0.0.1:8443")
    parser.add_argument("--ca", required=True, help="the certificate the portal serves (self-signed)")
    parser.add_argument("--seed", required=True, type=Path, help="the output of manage.py seed")
    parser.add_argument("--account", required=True, help="citizen, officer, supervisor, …")
    parser.add_argument("--wapiti-cookies", type=Path, help="write the cookies here for wapiti -c")
    args = parser.parse_args()
    email, password, secret = find_account(args.seed.read_text(), args.account)
    session = sign_in(args.base.rstrip("/"), args.ca, email, password, secret)
    if args.wapiti_cookies:
        args.wapiti_cookies.write_text(json.dumps(wapiti_cookies(session), indent=2))
    print("Cookie: " + "; ".join(f"{cookie.name}={cookie.value}" for cookie in session.cookies))
    return 0


if __name__ == "__main__":
    sys.exit(main())
