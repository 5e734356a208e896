"""One exception family for the project; third-party errors are translated at the seams."""

from __future__ import annotations

import os
from pathlib import Path


class RlaError(Exception):
    """Base class: every error this project raises on purpose."""

    exit_code = 1


class ConfigurationError(RlaError):
    """A setting is missing, malformed or points at something that is not there."""

    exit_code = 2


class IngestError(RlaError):
    """A document could not be loaded; carries a short machine-readable reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class BuildError(RlaError):
    """A build could not be written, validated, opened or swapped."""

    exit_code = 3


class NoBuildError(BuildError):
    """No build is served yet: run `rla ingest` first."""

    @classmethod
    def in_data_dir(cls, data_dir: os.PathLike[str]) -> NoBuildError:
        """The message for a data directory with no served build, said as an absolute path so
        that running from the wrong folder is obvious (before any model is loaded)."""
        where = Path(data_dir).resolve()
        return cls(
            f"no library has been ingested into {where}: run `rla ingest PATH`, or set "
            "RLA_DATA_DIR to the data directory of an ingested library"
        )


class ModelError(RlaError):
    """An embedding or chat model failed (load, timeout, bad response)."""

    exit_code = 4
