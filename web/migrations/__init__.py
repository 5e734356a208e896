"""Alembic migrations of the conversation and feedback schema (applied by ``web.migrate``)."""
