"""When a failed delivery is tried again, and after how long: a pure policy with table tests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class DeliveryRetry:
    """Exponential backoff over at most ``max_attempts`` tries (the first one included)."""

    max_attempts: int = 4
    base_seconds: float = 1.0
    factor: float = 2.0
    max_seconds: float = 60.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based).

        A server's ``Retry-After`` wins when it asks for longer, up to ``max_seconds``.
        """
        backoff = self.base_seconds * self.factor ** (attempt - 1)
        if retry_after is not None:
            backoff = max(backoff, retry_after)
        return min(backoff, self.max_seconds)

    def retries_status(self, status_code: int) -> bool:
        """Whether an HTTP answer is worth another try: 5xx and 429, not other 4xx."""
        return status_code >= 500 or status_code == 429

    def has_more(self, attempt: int) -> bool:
        """Whether another try may follow try number ``attempt``."""
        return attempt < self.max_attempts
