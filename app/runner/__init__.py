"""Carrying out runs: the agent tool loop, its tools, limits and retries (records are redacted by :mod:`app.redact`)."""
