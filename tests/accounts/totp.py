from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value


def totp_now(secret: str, *, step: int = 0) -> str:
    """The code an authenticator app shows now (step=1: the next 30-second window)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))
