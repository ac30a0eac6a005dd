"""API keys and where the service may listen: key material, the request check, the bind check."""

from app.security.bind import InsecureBind, check_bind, has_stored_keys, is_loopback
from app.security.checker import HashLoader, KeyChecker
from app.security.keys import KEY_PREFIX, NewKey, bearer_token, generate_key, hash_key, matches_any

__all__ = [
    "KEY_PREFIX",
    "HashLoader",
    "InsecureBind",
    "KeyChecker",
    "NewKey",
    "bearer_token",
    "check_bind",
    "generate_key",
    "has_stored_keys",
    "hash_key",
    "is_loopback",
    "matches_any",
]
