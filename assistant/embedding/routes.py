"""Embedding routes: which runtime and precision turn text into vectors, and which one runs here.

A route names how the same packaged model is run:

- ``openvino-int8``: the model exported to OpenVINO and quantised to int8 with NNCF (calibrated
  on the demo library's text), run with a bf16 inference hint where the processor has bf16.
- ``openvino-fp32``: the same export without quantisation (vectors equal torch's to 1e-6).
- ``torch-bf16``: sentence-transformers on torch in bfloat16 (needs processor bf16 support).
- ``torch-fp32``: sentence-transformers on torch in float32, the reference; runs everywhere.

``auto`` picks the fastest route this machine supports. A route the machine cannot run falls back
along ``FALLBACK`` with a logged warning, never silently to a different model. Each build records
its route and a query is embedded with the build's route (``assistant.pipeline``), so vectors of
two routes never meet.
"""

from __future__ import annotations

import importlib.util
import logging
import platform
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

AUTO = "auto"
OPENVINO_INT8 = "openvino-int8"
OPENVINO_FP32 = "openvino-fp32"
TORCH_BF16 = "torch-bf16"
TORCH_FP32 = "torch-fp32"
ROUTES = (OPENVINO_INT8, OPENVINO_FP32, TORCH_BF16, TORCH_FP32)
AUTO_ORDER = (OPENVINO_INT8, TORCH_FP32)
FALLBACK = {OPENVINO_INT8: OPENVINO_FP32, OPENVINO_FP32: TORCH_FP32, TORCH_BF16: TORCH_FP32}
LEGACY_ROUTE = TORCH_FP32  # builds written before routes were recorded were made this way
_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
_X86 = frozenset({"x86_64", "amd64", "i686", "i386"})


@dataclass(frozen=True)
class Processor:
    """What the machine offers the routes: its architecture, CPU flags and installed runtimes."""

    machine: str
    flags: frozenset[str]
    openvino: bool  # the openvino package can be imported

    @property
    def has_bf16(self) -> bool:
        return bool(self.flags & _BF16_FLAGS)


@lru_cache(maxsize=1)
def this_processor() -> Processor:
    return Processor(
        machine=platform.machine().lower(),
        flags=_cpu_flags(Path("/proc/cpuinfo")),
        openvino=importlib.util.find_spec("openvino") is not None,
    )


def _cpu_flags(cpuinfo: Path) -> frozenset[str]:
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith(("flags", "Features")):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def unsupported_reason(route: str, processor: Processor) -> str:
    """Why ``route`` cannot run on ``processor`` ("" when it can)."""
    if route not in ROUTES:
        return f"unknown embedding route {route!r} (known: {', '.join(ROUTES)})"
    if route.startswith("openvino"):
        if not processor.openvino:
            return "the openvino package is not installed"
        if processor.machine not in _X86 or "avx2" not in processor.flags:
            return f"OpenVINO routes need an x86-64 processor with AVX2 ({processor.machine})"
    if route == TORCH_BF16 and not processor.has_bf16:
        return "the processor has no bf16 instructions (avx512_bf16 or amx_bf16)"
    return ""


def resolve(requested: str, processor: Processor | None = None) -> str:
    """The route to use for ``requested`` (a route name or ``auto``) on this processor."""
    processor = processor or this_processor()
    if requested == AUTO:
        for route in AUTO_ORDER:
            if not unsupported_reason(route, processor):
                return route
        return TORCH_FP32
    route = requested
    while reason := unsupported_reason(route, processor):
        if route not in FALLBACK:
            if route not in ROUTES:
                from assistant.errors import ConfigurationError

                raise ConfigurationError(reason)
            return TORCH_FP32
        log.warning("embedding route %s unavailable (%s); using %s", route, reason, FALLBACK[route])
        route = FALLBACK[route]
    return route


def same_route(build_route: str, embedder_route: str) -> bool:
    """Whether vectors of a build made on ``build_route`` and an embedder on ``embedder_route``
    may meet. Builds made before routes were recorded were embedded with torch-fp32; an embedder
    that names no route (a test fake) matches any build."""
    if not embedder_route:
        return True
    return (build_route or LEGACY_ROUTE) == embedder_route


def inference_precision(processor: Processor | None = None) -> str:
    """OpenVINO's inference precision hint: bf16 where the processor has it, else f32."""
    return "bf16" if (processor or this_processor()).has_bf16 else "f32"
