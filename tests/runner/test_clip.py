"""Cutting stored text: bounded, marked, redacted on the excerpt only, storable on PostgreSQL."""

from __future__ import annotations

import json
import time

from app.clip import clip_bytes, clip_json, clip_text, clip_value, size_words, storable
from app.redact import Redactor

KEY = "sk-secret-key-0123456789"
REDACT = Redactor([KEY])


def test_a_secret_straddling_the_cut_is_removed_whole() -> None:
    text = "a" * 95 + KEY + "b" * 1000
    cut = clip_text(text, 100, redactor=REDACT)
    assert cut == "a" * 95 + "[REDA…[truncated at 100 of 1119 characters]"
    assert "sk-" not in cut
    out = clip_bytes(text, 100, redactor=REDACT)
    assert "sk-" not in out and out.endswith("…[output truncated at 100 B of 1.1 KiB]")


def test_short_text_is_only_redacted_and_made_storable() -> None:
    assert clip_text(f"k={KEY}\x00", 100, redactor=REDACT) == "k=[REDACTED]\ufffd"
    assert clip_bytes(f"k={KEY}", 100, redactor=REDACT) == "k=[REDACTED]"
    assert storable("a\x00b") == "a\ufffdb"


def test_values_keep_their_shape_and_secret_keys_are_blanked() -> None:
    value = {"Authorization": "Bearer abc", "nested": [{"text": "x" * 50}], "n": 3, "a\x00": KEY}
    assert clip_value(value, 10, redactor=REDACT) == {
        "Authorization": "[REDACTED]",
        "nested": [{"text": "x" * 10 + "…[truncated at 10 of 50 characters]"}],
        "n": 3,
        "a\ufffd": "[REDACTED]…[truncated at 10 of 24 characters]",
    }


def test_json_is_cut_once_and_the_marker_counts_the_whole_value() -> None:
    value = {"Cookie": "c=1", "body": f"{KEY} " + "y" * 300}
    cut = clip_json(value, 100, redactor=REDACT)
    whole = len(json.dumps(value))
    assert (
        cut == '{"Cookie": "[REDACTED]", "body": "[REDACTED] ' + "y" * 55 + f"…[truncated at 100 of {whole} characters]"
    )
    assert clip_json({"a": "b"}, 100) == '{"a": "b"}'


def test_cutting_megabytes_costs_milliseconds() -> None:
    huge = ("w a=b: c@d " * 1024 * 1024) + KEY  # 11 MiB of text the redaction patterns look at
    started = time.perf_counter()
    clip_bytes(huge, 256 * 1024, redactor=REDACT)
    clip_text(huge, 16_000, redactor=REDACT)
    assert time.perf_counter() - started < 0.5


def test_size_words() -> None:
    assert [size_words(n) for n in (512, 2048, 2500, 256 * 1024, 10 * 1024 * 1024)] == [
        "512 B",
        "2 KiB",
        "2.4 KiB",
        "256 KiB",
        "10.0 MiB",
    ]
