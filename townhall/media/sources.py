"""Reading a sealed original: its parts, decrypted on the fly, as one seekable file."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

from townhall.audit.gateway import SeekableReader, Vault


class ConcatReader(SeekableReader):
    """Several seekable readers, read as one file (the parts of a resumable upload)."""

    def __init__(self, parts: Sequence[io.RawIOBase], sizes: list[int]) -> None:
        super().__init__()
        self._parts = parts
        self._starts = []
        total = 0
        for size in sizes:
            self._starts.append(total)
            total += size
        self._sizes = sizes
        self.size = total
        self._pos = 0

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        written = 0
        while written < len(view) and self._pos < self.size:
            index = max(i for i, start in enumerate(self._starts) if start <= self._pos)
            part = self._parts[index]
            part.seek(self._pos - self._starts[index])
            chunk = part.read(min(len(view) - written, self._sizes[index] - part.tell()))
            if not chunk:
                break
            view[written : written + len(chunk)] = chunk
            written += len(chunk)
            self._pos += len(chunk)
        return written

    def close(self) -> None:
        for part in self._parts:
            part.close()
        super().close()


def original_reader(vault: Vault, prefix: str) -> ConcatReader:
    readers = [vault.open_file(name) for name in vault.list_files(prefix)]
    return ConcatReader(readers, [r.size for r in readers])


def copy_to_file(reader: io.RawIOBase, path: Path) -> int:
    reader.seek(0)
    with path.open("wb") as out:
        shutil.copyfileobj(reader, out, 1024 * 1024)
        return out.tell()


def file_chunks(path: Path, size: int = 1024 * 1024) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(size):
            yield chunk
