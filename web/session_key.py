"""The key that signs session cookies (and with them, who owns which conversation).

Without ``RLA_SECRET_KEY`` each process used to pick a random key, so a restart — or a second
worker — could not read the cookies the first one signed, and people lost their history. `rla serve`
now keeps one generated key in ``<data_dir>/secret_key`` (mode 0600, created once, atomically), which
every worker on the host reads. Hosts that share a database must share ``RLA_SECRET_KEY`` instead.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import SecretStr

from assistant.errors import ConfigurationError
from assistant.settings import Settings

KEY_FILE = "secret_key"


def key_path(settings: Settings) -> Path:
    return settings.data_dir / KEY_FILE


def with_session_key(settings: Settings) -> Settings:
    """Settings whose secret key is set: the configured one, else the one kept in the data dir."""
    if settings.secret_key.get_secret_value():
        return settings
    key = stored_key(key_path(settings))
    return settings.model_copy(update={"secret_key": SecretStr(key)})


def stored_key(path: Path) -> str:
    """Read the kept key, creating it first if there is none (the first process to try wins)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32))
    return _read(path)


def _read(path: Path) -> str:
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ConfigurationError(f"{path} holds no usable key: delete it, or set RLA_SECRET_KEY")
    return key
