"""The `rla` command: argument parsing and text rendering over the core (``assistant``)."""
