"""Secrets are removed from recorded values and messages; ordinary data is kept."""

from __future__ import annotations

import pytest

from app.redact import REDACTED, Redactor, is_secret_key, redact


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("Authorization", True),
        ("authorization", True),
        ("Cookie", True),
        ("Set-Cookie", True),
        ("X-Api-Key", True),
        ("api_key", True),
        ("OPENAI_API_KEY", True),
        ("client_secret", True),
        ("refresh_token", True),
        ("password", True),
        ("prompt_tokens", False),
        ("max_tokens", False),
        ("primary_key", False),
        ("content-type", False),
        ("url", False),
    ],
)
def test_secret_keys(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://api.x.com/v1?api_key=abc123&q=1", "https://api.x.com/v1?api_key=[REDACTED]&q=1"),
        ("https://x.com/?q=1&token=zzz#frag", "https://x.com/?q=1&token=[REDACTED]#frag"),
        ("https://x.com/?access_token=zzz", "https://x.com/?access_token=[REDACTED]"),
        ("https://bob:hunter2@x.com/", "https://bob:[REDACTED]@x.com/"),
        ("Authorization: Bearer abcdefghijkl", "Authorization: [REDACTED]"),
        ("sent bearer abcdefghijklmnop to it", "sent bearer [REDACTED] to it"),
        ("key sk-proj-abcdefghijklmnop1234 leaked", "key [REDACTED] leaked"),
        ('{"X-Api-Key": "k-1", "a": "b"}', '{"X-Api-Key": "[REDACTED]", "a": "b"}'),
        ("Cookie: session=1; theme=dark", "Cookie: [REDACTED]"),
        ("nothing to see at https://x.com/?page=2", "nothing to see at https://x.com/?page=2"),
        ("used 1200 tokens of the token budget", "used 1200 tokens of the token budget"),
    ],
)
def test_text(text: str, expected: str) -> None:
    assert Redactor().text(text) == expected


def test_literal_secrets_and_nested_values() -> None:
    value = {
        "headers": {"Authorization": "Basic dXNlcjpwYXNz", "Accept": "text/html"},
        "messages": [{"role": "user", "content": "my key is my-literal-key-42"}],
        "prompt_tokens": 12,
        "nested": ({"password": "p"}, None, 3.5),
    }
    assert redact(value, secrets=["my-literal-key-42", None]) == {
        "headers": {"Authorization": REDACTED, "Accept": "text/html"},
        "messages": [{"role": "user", "content": f"my key is {REDACTED}"}],
        "prompt_tokens": 12,
        "nested": [{"password": REDACTED}, None, 3.5],
    }


def test_empty_secret_values_stay_empty() -> None:
    assert redact({"api_key": "", "token": None}) == {"api_key": "", "token": None}
