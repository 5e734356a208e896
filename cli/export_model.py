"""`python -m cli.export_model [--route R]`: build and cache the exported embedding model.

Run by `make install`, so the fast route's model is ready before the first question; the export
itself lives in the core (``assistant.embedding.export``), this is only its command line.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from assistant.embedding.export import (
    EXPORTED_ROUTES,
    calibration_texts,
    default_cache_dir,
    ensure_model,
)


def main(argv: list[str] | None = None) -> int:
    from assistant.embedding.embedder import packaged_model_dir
    from assistant.embedding.routes import resolve
    from assistant.settings import Settings

    parser = argparse.ArgumentParser(description="Build and cache the exported embedding model.")
    parser.add_argument("--route", default="", help="default: what RLA_EMBEDDING_ROUTE resolves to")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings()
    route = resolve(args.route or settings.embedding_route)
    if route not in EXPORTED_ROUTES:
        print(f"embedding route {route}: nothing to export")
        return 0
    cache = settings.model_cache_dir or default_cache_dir()
    path = ensure_model(
        Path(packaged_model_dir()),
        route,
        cache,
        calibration=lambda: calibration_texts(settings.demo_library_dir),
    )
    print(f"embedding route {route}: {path.parent}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
