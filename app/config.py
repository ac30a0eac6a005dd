"""Settings read from the environment; built by the app factory, never at import."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting is optional; the defaults run an embedded SQLite service on loopback."""

    # Empty values (``RETENTION_FAILED_DAYS=`` in an .env file) mean "use the default".
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False, env_ignore_empty=True)

    database_url: str = "sqlite+aiosqlite:///./data/taskrunner.db"
    llm_model: str = "openai/gpt-4o-mini"
    llm_api_base: str | None = None
    llm_api_key: str | None = None
    api_keys: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    http_tool_allow_hosts: str | None = None

    # Tuning knobs with safe defaults (documented in docs/configuration.md).
    scheduler_enabled: bool = True
    max_concurrent_runs: int = Field(default=200, ge=1)
    llm_call_timeout_seconds: float = Field(default=120.0, gt=0)
    max_request_bytes: int = Field(default=1_000_000, ge=1024)
    log_format: str = "auto"  # auto | json | console
    log_level: str = "INFO"

    # Resource limits per run and per conversation (docs/configuration.md#limits).
    run_output_max_bytes: int = Field(default=256 * 1024, ge=1024)
    step_text_max_chars: int = Field(default=16_000, ge=256)
    max_tool_calls_per_turn: int = Field(default=20, ge=1)
    max_concurrent_tool_calls_per_run: int = Field(default=4, ge=1)
    http_tool_max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    webhook_response_max_bytes: int = Field(default=64 * 1024, ge=0)
    chat_message_max_chars: int = Field(default=32_000, ge=256)

    # Notifications and retention (docs/operations.md).
    webhook_secret: SecretStr | None = None
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "taskrunner@localhost"
    smtp_starttls: bool = True
    retention_days: int = Field(default=90, ge=1)
    retention_failed_days: int | None = Field(default=None, ge=1)
    # Host headers /mcp answers (DNS-rebinding guard), e.g. "tasks.example.com,10.0.0.5:*"; "*" allows any.
    mcp_allowed_hosts: str | None = None

    # OpenTelemetry export of runs (docs/operations.md); off unless an endpoint is set.
    otel_exporter_otlp_endpoint: str | None = None
    otel_service_name: str = "taskrunner"

    # Dashboard (docs/dashboard.md): the key signing its session cookies; random per process when unset.
    session_secret: SecretStr | None = None
    session_max_age_seconds: int = Field(default=7 * 86400, ge=60)

    # Controls (docs/controls.md): spread of round-hour fires, run defaults and service-wide budgets.
    spread_round_hours: int = Field(default=0, ge=0, le=3600)
    max_tokens_per_run: int = Field(default=100_000, ge=1)
    max_cost_usd_per_run: float | None = Field(default=None, ge=0)
    max_cost_usd_per_day: float | None = Field(default=None, ge=0)
    max_cost_usd_per_month: float | None = Field(default=None, ge=0)

    # Runs and workers (docs/operations.md, "Scaling out").
    run_worker: bool = True  # serve also runs runs (false: API and scheduler only)
    run_queue: str = Field(default="auto", pattern="^(auto|in-process|procrastinate)$")
    worker_concurrency: int = Field(default=50, ge=1, le=1000)
    worker_heartbeat_seconds: float = Field(default=5.0, gt=0)
    worker_stale_seconds: float = Field(default=30.0, gt=0)
    worker_sweep_seconds: float = Field(default=10.0, gt=0)
    worker_stop_grace_seconds: float = Field(default=30.0, ge=0)
    # A followed run's event stream (GET /api/executions/{id}/events) says it is alive after this much silence.
    events_heartbeat_seconds: float = Field(default=15.0, gt=0, le=3600)

    @field_validator("llm_api_base", "llm_api_key", "api_keys", "http_tool_allow_hosts", "smtp_host", "smtp_username")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @property
    def mcp_allowed_host_list(self) -> list[str]:
        """Hosts /mcp answers; loopback names (any port) when unset."""
        return [h.strip() for h in (self.mcp_allowed_hosts or "").split(",") if h.strip()]

    @property
    def api_key_list(self) -> list[str]:
        return [k.strip() for k in (self.api_keys or "").split(",") if k.strip()]

    @property
    def http_allow_host_list(self) -> list[str]:
        return [h.strip().lower() for h in (self.http_tool_allow_hosts or "").split(",") if h.strip()]

    @property
    def uses_queue(self) -> bool:
        """Runs go through procrastinate jobs to worker processes (PostgreSQL), not the leader's own loop."""
        return self.run_queue == "procrastinate" or (self.run_queue == "auto" and self.is_postgres)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")
