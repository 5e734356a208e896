"""The app's services: the Assistant (built lazily, once) and the conversation store.

``create_app`` must stay cheap (the health check answers before the embedding model loads), so the
Assistant is built on first use, under a lock, by a factory (``build_assistant(settings)`` unless the
caller injected one, as ``rla serve`` does with its preloaded embedder). A failed build is not cached:
the next request tries again, so an ingest run after the server started is picked up.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from assistant.build.index import MANIFEST
from assistant.build.lifecycle import served_build_id
from assistant.errors import NoBuildError
from assistant.protocols import AssistantLike
from assistant.settings import Settings
from assistant.types import BuildInfo
from web.page_images import PageImages
from web.storage import Store

log = logging.getLogger(__name__)


def default_factory(settings: Settings) -> Callable[[], AssistantLike]:
    def build() -> AssistantLike:
        from assistant.pipeline import build_assistant

        return build_assistant(settings)

    return build


class AssistantSource:
    """Holds the one Assistant of this app; builds it on first use."""

    def __init__(
        self,
        settings: Settings,
        assistant: AssistantLike | None = None,
        factory: Callable[[], AssistantLike] | None = None,
    ) -> None:
        self.settings = settings
        self._assistant = assistant
        self._factory = factory or default_factory(settings)
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._assistant is not None

    def get(self) -> AssistantLike:
        """The Assistant, reloaded if a new build was swapped in. Raises NoBuildError/BuildError."""
        if self._assistant is None:
            with self._lock:
                if self._assistant is None:
                    if served_build_id(self.settings) is None:
                        raise NoBuildError("no library has been ingested yet: run `rla ingest`")
                    self._assistant = self._factory()
        try:
            self._assistant.reload_if_swapped()
        except Exception:  # keep serving the build we have; the health check reports it
            log.exception("reloading the served build failed")
        return self._assistant

    def served_info(self) -> BuildInfo | None:
        """The served build's manifest, read from disk (cheap; no model needed)."""
        if self._assistant is not None:
            info = getattr(self._assistant.index, "info", None)
            if isinstance(info, BuildInfo) and info.build_id == served_build_id(self.settings):
                return info
        build_id = served_build_id(self.settings)
        if build_id is None:
            return None
        path = self.settings.builds_dir / build_id / MANIFEST
        data = json.loads(path.read_text(encoding="utf-8"))
        known = set(BuildInfo.__dataclass_fields__)
        return BuildInfo(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class Services:
    settings: Settings
    assistants: AssistantSource
    store: Store
    page_images: PageImages


def services(app: Flask | None = None) -> Services:
    return (app or current_app).extensions["rla"]  # type: ignore[no-any-return]
