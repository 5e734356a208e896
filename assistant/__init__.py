"""Review Learning Assistant: cited answers from safeguarding-review learning on race and racism.

The core library. Three lines do what the chat page does::

    from assistant import build_assistant, Settings
    a = build_assistant(Settings())
    answer = a.ask("What have reviews found about adultification?")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Settings", "build_assistant"]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from assistant.pipeline import build_assistant
    from assistant.settings import Settings


def __getattr__(name: str) -> Any:  # lazy: importing assistant must not load torch
    if name == "Settings":
        from assistant.settings import Settings

        return Settings
    if name == "build_assistant":
        from assistant.pipeline import build_assistant

        return build_assistant
    raise AttributeError(name)
