"""Carrying out runs: the agent tool loop, its tools, limits, retries and redaction."""
