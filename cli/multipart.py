"""A multipart/form-data body that reads its file from disk as it is sent.

S3's presigned POST wants every policy field before the file and a Content-Length (it refuses
chunked bodies), so the body is a read()-able object that knows its length up front: requests
then sends it in blocks with that Content-Length instead of building the whole body in memory.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

CHUNK_SIZE = 64 * 1024


def _quoted(value: str) -> str:
    """A Content-Disposition parameter value, escaped the way browsers send form data."""
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class MultipartFileBody:
    """Form fields first, then one file part last, streamed from ``path``.

    Use as ``requests.post(url, data=body, headers={"Content-Type": body.content_type})``.
    """

    def __init__(
        self,
        fields: Mapping[str, str],
        path: str | os.PathLike[str],
        *,
        file_field: str = "file",
        filename: str | None = None,
        file_content_type: str = "text/csv",
        boundary: str | None = None,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self.path = Path(path)
        self.boundary = boundary or f"csvimport-{secrets.token_hex(16)}"
        self._chunk_size = chunk_size
        head = bytearray()
        for name, value in fields.items():
            head += f"--{self.boundary}\r\n".encode()
            head += f'Content-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n'.encode()
            head += f"{value}\r\n".encode()
        head += f"--{self.boundary}\r\n".encode()
        name, shown_name = _quoted(file_field), _quoted(filename or self.path.name)
        head += f'Content-Disposition: form-data; name="{name}"; filename="{shown_name}"\r\n'.encode()
        head += f"Content-Type: {file_content_type}\r\n\r\n".encode()
        self._head = bytes(head)
        self._tail = f"\r\n--{self.boundary}--\r\n".encode()
        self._file_size = self.path.stat().st_size
        self._file: BinaryIO | None = None
        self._stage = 0  # 0: head, 1: file, 2: tail, 3: done
        self._pending = b""

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self._head) + self._file_size + len(self._tail)

    def _next_piece(self, size: int) -> bytes:
        while self._stage < 3:
            if self._stage == 0:
                self._stage = 1
                return self._head
            if self._stage == 1:
                if self._file is None:
                    self._file = self.path.open("rb")
                piece = self._file.read(size)
                if piece:
                    return piece
                self.close()
                self._stage = 2
                continue
            self._stage = 3
            return self._tail
        return b""

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes of the body (all that is left when size is negative)."""
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(self._chunk_size), b""))
        out = bytearray(self._pending)
        while len(out) < size:
            piece = self._next_piece(max(size - len(out), 1))
            if not piece:
                break
            out += piece
        self._pending = bytes(out[size:])
        return bytes(out[:size])

    def __iter__(self) -> Iterator[bytes]:
        return iter(lambda: self.read(self._chunk_size), b"")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
