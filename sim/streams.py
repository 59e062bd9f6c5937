"""Keyed random streams: one root seed, every stream derived by name.

A stream is ``SeedSequence(root_seed, spawn_key=(replication, key_id(name)))``: replication i of
two scenarios sees the same draws for the same name (common random numbers), and adding a stream
never changes another. ``key_id`` is a fixed hash of the name's UTF-8 bytes (BLAKE2b), never
Python's ``hash()``, so it is the same in every process and on every machine.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

__all__ = ["key_id", "stream", "uniform"]


@lru_cache(maxsize=65536)
def key_id(name: str) -> int:
    """A stable 63-bit integer for ``name``."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def stream(root_seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator for stream ``name`` of replication ``replication``."""
    if root_seed < 0 or replication < 0:
        raise ValueError("root_seed and replication must be >= 0")
    seq = np.random.SeedSequence(root_seed, spawn_key=(replication, key_id(name)))
    return np.random.Generator(np.random.PCG64(seq))


def uniform(root_seed: int, replication: int, name: str) -> float:
    """One uniform draw in [0, 1) from stream ``name`` of a replication."""
    return float(stream(root_seed, replication, name).random())
