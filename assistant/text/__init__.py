"""Text shared by ingest, answering and evals: one sentence splitter, evidence units, question
analysis. Nothing here knows about builds, Flask or the CLI."""
