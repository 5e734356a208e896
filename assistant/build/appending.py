"""Files a build grows row by row while it is written, so no whole matrix is held in memory.

``NpyAppender`` writes a ``.npy`` file whose rows arrive in pieces: the header is reserved first
and rewritten with the final row count on ``close``, so the result is an ordinary NumPy file
(``np.load(..., mmap_mode="r")`` reads it). Rows already written can be read back (``row``), which
is how an ingest reuses a vector it made for an identical text earlier in the same run.

``JsonLines`` writes one JSON object a line and counts the bytes, for files read by offset.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

_HEADER = 128  # bytes reserved for the .npy header (numpy pads its headers to 64-byte steps)


def _header(dtype: np.dtype[Any], shape: tuple[int, ...]) -> bytes:
    buffer = io.BytesIO()
    fields = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, fields)
    return buffer.getvalue()


class NpyAppender:
    """A ``.npy`` file of ``dtype`` rows (``width`` columns, or a vector when None), appended."""

    def __init__(self, path: Path, dtype: Any, width: int | None = None) -> None:
        self.path = path
        self.dtype = np.dtype(dtype)
        self.width = width
        self.rows = 0
        self._row_bytes = self.dtype.itemsize * (width or 1)
        self._fh = path.open("w+b")
        first = _header(self.dtype, self._shape())
        if len(first) != _HEADER:
            raise ValueError(f"unexpected .npy header size {len(first)}")
        self._fh.write(first)

    def _shape(self) -> tuple[int, ...]:
        return (self.rows,) if self.width is None else (self.rows, self.width)

    def append(self, rows: np.ndarray) -> None:
        data = np.ascontiguousarray(rows, dtype=self.dtype)
        expected = (len(data),) if self.width is None else (len(data), self.width)
        if data.shape != expected:
            raise ValueError(f"rows of shape {data.shape}, expected {expected}")
        self._fh.write(data.tobytes())
        self.rows += len(data)

    def row(self, index: int) -> np.ndarray:
        """Row ``index`` as written (read back from the file)."""
        if not 0 <= index < self.rows:
            raise IndexError(index)
        self._fh.flush()
        raw = os.pread(self._fh.fileno(), self._row_bytes, _HEADER + index * self._row_bytes)
        return np.frombuffer(raw, dtype=self.dtype).copy()

    def close(self) -> None:
        """Write the final header and sync the file to disk."""
        if self._fh.closed:
            return
        final = _header(self.dtype, self._shape())
        if len(final) != _HEADER:  # a shape too long to print in 128 bytes: not reachable
            raise ValueError(f"unexpected .npy header size {len(final)}")
        self._fh.seek(0)
        self._fh.write(final)
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()

    def abandon(self) -> None:
        self._fh.close()


class JsonLines:
    """A JSON-lines file written a row at a time; ``offset`` is the bytes written so far."""

    def __init__(self, path: Path) -> None:
        self._fh = path.open("wb")
        self.offset = 0

    def write(self, row: dict[str, Any]) -> None:
        line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        self._fh.write(line)
        self.offset += len(line)

    def close(self) -> None:
        if self._fh.closed:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()

    def abandon(self) -> None:
        self._fh.close()
