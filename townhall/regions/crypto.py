"""Encryption at rest with per-user data keys: values, and files with random access.

Everything here is AES-256-GCM from the ``cryptography`` package. A value is sealed as
``version || nonce || ciphertext+tag`` with associated data that binds it to its owner and field,
so a ciphertext copied into another user's row, or opened with another user's key, fails closed.

Files are sealed in fixed-size chunks (chunked AEAD, in the manner of the STREAM construction):
each chunk has its own nonce (a random per-file prefix and the chunk's index) and its own tag,
and the associated data marks the last chunk, so truncation, reordering and splicing are
detected, while a reader can decrypt just the chunks that a byte range needs (HTTP Range).
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterable, Iterator
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VALUE_VERSION = b"\x01"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32

FILE_MAGIC = b"THE1"
FILE_CHUNK = 64 * 1024
_FILE_HEADER = struct.Struct(">4sI8s")  # magic, plaintext chunk size, nonce prefix
FILE_HEADER_BYTES = _FILE_HEADER.size


class DecryptionFailed(Exception):
    """The ciphertext is damaged, or it was sealed with another key or for another owner."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return VALUE_VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    sealed = bytes(sealed)
    if len(sealed) < 1 + NONCE_BYTES + TAG_BYTES or sealed[:1] != VALUE_VERSION:
        raise DecryptionFailed("not a sealed value")
    nonce = sealed[1 : 1 + NONCE_BYTES]
    try:
        return AESGCM(key).decrypt(nonce, sealed[1 + NONCE_BYTES :], aad)
    except InvalidTag:
        raise DecryptionFailed("the value does not open with this key") from None


# --- Files ------------------------------------------------------------------------------------


def _chunk_aad(header: bytes, aad: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">Q?", index, last) + aad


def _chunk_nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def encrypt_stream(
    key: bytes, chunks: Iterable[bytes], aad: bytes, chunk_size: int = FILE_CHUNK
) -> Iterator[bytes]:
    """Yield the sealed file for a stream of plaintext pieces, holding one chunk at a time."""
    prefix = os.urandom(8)
    header = _FILE_HEADER.pack(FILE_MAGIC, chunk_size, prefix)
    yield header
    aead = AESGCM(key)

    def sealed(index: int, plain: bytes, last: bool) -> bytes:
        return aead.encrypt(
            _chunk_nonce(prefix, index), plain, _chunk_aad(header, aad, index, last)
        )

    buffer = bytearray()
    index = 0
    # A full chunk is held back until we know whether more follows: the last one is marked.
    held: bytes | None = None
    for piece in chunks:
        buffer.extend(piece)
        while len(buffer) >= chunk_size:
            if held is not None:
                yield sealed(index, held, False)
                index += 1
            held = bytes(buffer[:chunk_size])
            del buffer[:chunk_size]
    if buffer:
        if held is not None:
            yield sealed(index, held, False)
            index += 1
        held = bytes(buffer)
    yield sealed(index, held or b"", True)


def plaintext_size(sealed_size: int, chunk_size: int) -> int:
    body = sealed_size - FILE_HEADER_BYTES
    sealed_chunk = chunk_size + TAG_BYTES
    if body < TAG_BYTES:
        raise DecryptionFailed("the file is truncated")
    full, rest = divmod(body, sealed_chunk)
    if rest == 0:
        # The last chunk is exactly full.
        return full * chunk_size
    if rest < TAG_BYTES:
        raise DecryptionFailed("the file is truncated")
    return full * chunk_size + rest - TAG_BYTES


class SeekableReader(io.RawIOBase):
    """A read-only raw file of known ``size`` whose subclasses fill ``readinto`` from ``_pos``."""

    size = 0
    _pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos


class DecryptingReader(SeekableReader):
    """A seekable, read-only file object over a sealed file: reads decrypt only what they need."""

    def __init__(self, key: bytes, raw: IO[bytes], aad: bytes, sealed_size: int) -> None:
        super().__init__()
        self._raw = raw
        self._aad = aad
        raw.seek(0)
        header = raw.read(FILE_HEADER_BYTES)
        if len(header) != FILE_HEADER_BYTES:
            raise DecryptionFailed("the file is truncated")
        magic, chunk_size, prefix = _FILE_HEADER.unpack(header)
        if magic != FILE_MAGIC or chunk_size <= 0:
            raise DecryptionFailed("not a sealed file")
        self._header = header
        self._prefix = prefix
        self._chunk_size = chunk_size
        self._aead = AESGCM(key)
        self.size = plaintext_size(sealed_size, chunk_size)
        self._last_index = max(0, -(-self.size // chunk_size) - 1)
        self._pos = 0
        self._cache: tuple[int, bytes] | None = None
        # Opening authenticates the last chunk, so a truncated file fails at once.
        self._chunk(self._last_index)

    def _chunk(self, index: int) -> bytes:
        if self._cache is not None and self._cache[0] == index:
            return self._cache[1]
        sealed_chunk = self._chunk_size + TAG_BYTES
        self._raw.seek(FILE_HEADER_BYTES + index * sealed_chunk)
        data = self._raw.read(sealed_chunk)
        last = index == self._last_index
        try:
            plain = self._aead.decrypt(
                _chunk_nonce(self._prefix, index),
                data,
                _chunk_aad(self._header, self._aad, index, last),
            )
        except InvalidTag:
            raise DecryptionFailed(f"chunk {index} does not open with this key") from None
        self._cache = (index, plain)
        return plain

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        written = 0
        while written < len(view) and self._pos < self.size:
            index, offset = divmod(self._pos, self._chunk_size)
            chunk = self._chunk(index)[offset:]
            n = min(len(view) - written, len(chunk), self.size - self._pos)
            view[written : written + n] = chunk[:n]
            written += n
            self._pos += n
        return written

    def close(self) -> None:
        self._raw.close()
        super().close()
