"""taskrunner: a self-hosted service that schedules LLM-agent tasks."""

__version__ = "0.1.0"
