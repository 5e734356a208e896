"""The chat page, document viewer, JSON API and feedback: ``create_app`` builds the Flask app."""

from web.app import create_app

__all__ = ["create_app"]
