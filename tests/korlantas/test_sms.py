"""The SMS gateway interface and its backends."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from korlantas.lib import sms


def test_file_backend_writes_one_file_per_message_under_var_sms(tmp_path: Path) -> None:
    with override_settings(SMS_BACKEND="korlantas.lib.sms.FileBackend", SMS_DIR=tmp_path / "sms"):
        sms.send_sms("+6281234567890", "Kode Anda 123456", idempotency_key="phone-1-1")
    (written,) = (tmp_path / "sms").iterdir()
    text = written.read_text()
    assert "+6281234567890" in text
    assert "Kode Anda 123456" in text
    assert written.name.endswith("-phone-1-1.txt")


def test_http_gateway_posts_json_with_bearer_token_and_idempotency_key() -> None:
    response = mock.MagicMock(status=202)
    response.__enter__.return_value = response
    with (
        override_settings(
            SMS_BACKEND="korlantas.lib.sms.HttpGatewayBackend",
            SMS_GATEWAY_URL="https://sms.example.id/v1/messages",
            SMS_GATEWAY_TOKEN="rahasia",
            SMS_SENDER_ID="KORLANTAS",
        ),
        mock.patch("urllib.request.OpenerDirector.open", return_value=response) as urlopen,
    ):
        sms.send_sms("+6281234567890", "Kode Anda 123456", idempotency_key="phone-1-1")
    request = urlopen.call_args.args[0]
    assert request.full_url == "https://sms.example.id/v1/messages"
    assert request.get_method() == "POST"
    assert request.headers["Authorization"] == "Bearer rahasia"
    assert request.headers["Idempotency-key"] == "phone-1-1"
    assert json.loads(request.data) == {
        "to": "+6281234567890",
        "text": "Kode Anda 123456",
        "sender": "KORLANTAS",
    }
    assert urlopen.call_args.kwargs["timeout"] == 10


@pytest.mark.parametrize(
    ("url", "token"), [("", "t"), ("https://sms.example.id", ""), ("http://sms.example.id", "t")]
)
def test_http_gateway_refuses_to_send_unconfigured_or_in_clear(url: str, token: str) -> None:
    with (
        override_settings(
            SMS_BACKEND="korlantas.lib.sms.HttpGatewayBackend", SMS_GATEWAY_URL=url, SMS_GATEWAY_TOKEN=token
        ),
        pytest.raises(ImproperlyConfigured),
    ):
        sms.send_sms("+6281234567890", "x", idempotency_key="k")


def test_http_gateway_failure_is_a_retryable_delivery_error() -> None:
    with (
        override_settings(
            SMS_BACKEND="korlantas.lib.sms.HttpGatewayBackend",
            SMS_GATEWAY_URL="https://sms.example.id",
            SMS_GATEWAY_TOKEN="t",
        ),
        mock.patch("urllib.request.OpenerDirector.open", side_effect=TimeoutError),
        pytest.raises(sms.SMSDeliveryError),
    ):
        sms.send_sms("+6281234567890", "x", idempotency_key="k")
