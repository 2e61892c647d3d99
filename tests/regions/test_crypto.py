"""Sealed values and chunked, randomly readable sealed files."""

import io
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townhall.regions.crypto import (
    DecryptingReader,
    DecryptionFailed,
    encrypt_stream,
    new_key,
    open_sealed,
    seal,
)

KEY = new_key()


def sealed_file(data, chunk_size=1024, piece=333, key=KEY, aad=b"file:1:a"):
    pieces = [data[i : i + piece] for i in range(0, len(data), piece)]
    return b"".join(encrypt_stream(key, pieces, aad, chunk_size=chunk_size))


def reader(blob, key=KEY, aad=b"file:1:a"):
    return DecryptingReader(key, io.BytesIO(blob), aad, len(blob))


def test_value_round_trip_and_binding():
    sealed = seal(KEY, b"alice@example.org", b"accounts.identity.email:1")
    assert b"alice" not in sealed
    assert open_sealed(KEY, sealed, b"accounts.identity.email:1") == b"alice@example.org"
    with pytest.raises(DecryptionFailed):
        open_sealed(new_key(), sealed, b"accounts.identity.email:1")  # another user's key
    with pytest.raises(DecryptionFailed):
        open_sealed(KEY, sealed, b"accounts.identity.email:2")  # moved into another user's row
    with pytest.raises(DecryptionFailed):
        open_sealed(KEY, sealed[:-1] + bytes([sealed[-1] ^ 1]), b"accounts.identity.email:1")
    with pytest.raises(DecryptionFailed):
        open_sealed(KEY, b"plaintext", b"x")


def test_same_value_seals_differently_each_time():
    assert seal(KEY, b"x", b"a") != seal(KEY, b"x", b"a")


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(max_size=5000),
    chunk=st.sampled_from([16, 1000, 1024]),
    ranges=st.lists(st.tuples(st.integers(0, 5200), st.integers(0, 5200)), max_size=8),
)
def test_file_random_access_matches_plaintext(data, chunk, ranges):
    blob = sealed_file(data, chunk_size=chunk)
    r = reader(blob)
    assert r.size == len(data)
    assert r.read() == data
    for a, b in ranges:
        start, end = min(a, b), max(a, b)
        r.seek(start)
        assert r.read(end - start) == data[start:end]


def test_reads_only_the_chunks_a_range_needs():
    data = os.urandom(1024 * 50)
    blob = sealed_file(data)
    raw = io.BytesIO(blob)
    r = DecryptingReader(KEY, raw, b"file:1:a", len(blob))
    reads = []
    original = raw.read

    def counting_read(n=-1):
        reads.append(n)
        return original(n)

    raw.read = counting_read
    r.seek(1024 * 20 + 5)
    assert r.read(10) == data[1024 * 20 + 5 : 1024 * 20 + 15]
    assert len(reads) == 1


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:-1],  # truncated
        lambda b: b[: len(b) - 1040],  # a whole chunk cut off the end
        lambda b: b[:100] + bytes([b[100] ^ 1]) + b[101:],  # a flipped bit
        lambda b: b[:20] + b[20 + 1040 : 20 + 2080] + b[20:1060] + b[2100:],  # chunks swapped
    ],
)
def test_damaged_files_fail_closed(damage):
    blob = damage(sealed_file(os.urandom(5000)))
    with pytest.raises(DecryptionFailed):
        reader(blob).read()


def test_wrong_key_or_owner_fails_closed():
    blob = sealed_file(b"secret video bytes" * 100)
    with pytest.raises(DecryptionFailed):
        reader(blob, key=new_key())
    with pytest.raises(DecryptionFailed):
        reader(blob, aad=b"file:2:a")
