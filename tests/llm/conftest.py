from tests.support.openai_stub import openai_stub

__all__ = ["openai_stub"]
