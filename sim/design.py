"""Designs: points of the unit cube, one coordinate per uncertain input, per replication.

Every design computes any replication alone, from the root seed and its index, so a batch of
replications can run anywhere, in any order, and a killed run can be finished later.

``mc``
    Plain Monte Carlo gives each input its own keyed streams, one per block of
    :data:`MC_BLOCK` replications: coordinate ``(i, name)`` is uniform ``i mod MC_BLOCK`` of
    the PCG64 stream seeded by ``SeedSequence(seed, spawn_key=(key_id("design:mc"),
    key_id(name), i // MC_BLOCK))``. A batch draws each input's block in one vectorised call
    (a generator per input per replication cost as much as a replication of the fast
    engine). Replication i of two scenarios sees the same value for the same input (common
    random numbers), and adding an input leaves the others' draws unchanged.
``lhs``
    Latin hypercube over ``n_total`` replications, keyed per input as well: input ``name`` puts
    replication i in stratum ``perm(i)`` of ``n_total`` equal strata, where ``perm`` is a
    pseudo-random permutation of ``0..n_total-1`` keyed by ``(seed, name)``, and jitters it
    within the stratum by the ``mc`` uniform: ``u = (perm(i) + u_mc) / n_total``. The
    permutation is a keyed Feistel network with cycle walking, so ``perm(i)`` costs O(1) time
    and memory whatever ``n_total`` (a drawn ``Generator.permutation(n_total)`` per input would
    cost 8 bytes x ``n_total`` per input per worker). Common random numbers and field
    independence hold as for ``mc`` (for runs of the same ``n_total``). Points depend on
    ``n_total``: a prefix of a larger design is not itself a Latin hypercube, only a
    without-replacement sample of its strata (still exact marginals, never worse than ``mc``).
``sobol``
    Scrambled Sobol' points (:class:`scipy.stats.qmc.Sobol`, one dimension per input in sorted
    name order, scrambled by a generator keyed by the root seed); replication i is point i.
    A QMC design ties the dimensions together: adding or removing an input changes the other
    inputs' draws, so common random numbers hold only between scenarios with the same inputs.
    Its balance properties need ``n`` a power of 2 (:func:`sobol_note` says so); any prefix of
    the sequence is valid, so growing ``n`` keeps the earlier points.

Correlations (:class:`CorrelationSpec`) are applied to the points by a Gaussian copula: the
correlated coordinates go through the normal quantile function, are mixed by the Cholesky
factor of the Pearson matrix that gives the requested rank (Spearman) correlations
(``r = 2 sin(pi rho / 6)``), and come back through the normal CDF. The marginals stay uniform,
and each replication is still computed alone (Iman-Conover would need the whole sample).
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy import special
from scipy.stats import qmc

from sim.streams import key_id

__all__ = ["DESIGNS", "MC_BLOCK", "CorrelationSpec", "correlate", "keyed_permutation", "sobol_note",
           "unit_points"]

DESIGNS = ("mc", "lhs", "sobol")

_FEISTEL_ROUNDS = 6
MC_BLOCK = 256
"""Replications per keyed ``mc`` stream block."""
_ONE_BELOW = float(np.nextafter(1.0, 0.0))
_SOBOL_MAX_DIM = 21201


@dataclass(frozen=True)
class CorrelationSpec:
    """Rank correlations between inputs, by name: ``pairs`` of ``(name_a, name_b, rho)``."""

    pairs: tuple[tuple[str, str, float], ...]

    def check(self, names: Sequence[str]) -> None:
        """Raise ``ValueError`` if a name is unknown or the matrix is not positive definite."""
        _copula_factor(self, tuple(names))


def unit_points(names: Sequence[str], seed: int, replications: Sequence[int],
                design: str = "mc", *, n_total: int | None = None,
                correlations: CorrelationSpec | None = None) -> npt.NDArray[np.float64]:
    """Array ``[len(replications), len(names)]`` of coordinates in [0, 1).

    ``n_total`` is the design's size: required by ``lhs`` (every replication must be below it),
    ignored by ``mc`` and ``sobol``. ``correlations`` names inputs of ``names``.
    """
    if design not in DESIGNS:
        raise ValueError(f"design {design!r} is not available; choose from {', '.join(DESIGNS)}")
    reps = np.asarray(list(replications), dtype=np.int64).reshape(-1)
    if reps.size and int(reps.min()) < 0:
        raise ValueError("replications must be >= 0")
    if design == "sobol":
        out = _sobol_points(len(names), seed, reps)
    else:
        out = _mc_points(names, seed, reps)
        if design == "lhs":
            out = _lhs_points(names, seed, reps, out, n_total)
    if correlations is not None and correlations.pairs:
        out = _correlate(out, tuple(names), correlations)
    return np.clip(out, 0.0, _ONE_BELOW)


def correlate(u: npt.NDArray[np.float64], names: Sequence[str],
              correlations: CorrelationSpec) -> npt.NDArray[np.float64]:
    """Independent points ``u`` (``[n, len(names)]``) made rank-correlated by the Gaussian
    copula, as :func:`unit_points` does (for designs assembled elsewhere, e.g. Sobol' index
    matrices); rows are transformed one by one, so a row does not depend on the others."""
    if not correlations.pairs:
        return np.clip(u, 0.0, _ONE_BELOW)
    return np.clip(_correlate(u, tuple(names), correlations), 0.0, _ONE_BELOW)


def sobol_note(n: int) -> str | None:
    """A warning when ``n`` Sobol' points lose the balance properties (not a power of 2)."""
    if n >= 1 and n & (n - 1) == 0:
        return None
    lower = 1 << (n.bit_length() - 1)
    return (f"a Sobol' design is balanced only for a power of 2 replications; {n:,} is not "
            f"(use {lower:,} or {lower * 2:,})")


@lru_cache(maxsize=2048)
def _mc_block(seed: int, name: str, block: int) -> npt.NDArray[np.float64]:
    """Input ``name``'s uniforms for replications ``block * MC_BLOCK`` onwards."""
    seq = np.random.SeedSequence(seed, spawn_key=(key_id("design:mc"), key_id(name), block))
    out = np.random.Generator(np.random.PCG64(seq)).random(MC_BLOCK)
    out.setflags(write=False)
    return out


def _mc_points(names: Sequence[str], seed: int,
               reps: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    out = np.empty((len(reps), len(names)))
    blocks, offsets = np.divmod(reps, MC_BLOCK)
    for block in np.unique(blocks).tolist():
        rows = np.flatnonzero(blocks == block)
        at = offsets[rows]
        for col, name in enumerate(names):
            out[rows, col] = _mc_block(seed, name, block)[at]
    return out


# --- Latin hypercube ---------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _lhs_keys(seed: int, name: str) -> npt.NDArray[np.uint64]:
    """Round keys of input ``name``'s stratum permutation (a stream outside any replication)."""
    seq = np.random.SeedSequence(seed, spawn_key=(key_id("design:lhs"), key_id(name)))
    keys: npt.NDArray[np.uint64] = np.asarray(seq.generate_state(_FEISTEL_ROUNDS, np.uint64),
                                              dtype=np.uint64)
    keys.setflags(write=False)
    return keys


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The SplitMix64 finaliser: a bijective 64-bit mixer (wrapping arithmetic)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _feistel(x: npt.NDArray[np.uint64], keys: npt.NDArray[np.uint64],
             half: int) -> npt.NDArray[np.uint64]:
    """A balanced Feistel network on ``2 * half`` bits, ``keys[r]`` the round keys of each
    element of ``x``: a bijection for any keys."""
    mask = np.uint64((1 << half) - 1)
    shift = np.uint64(half)
    left, right = x >> shift, x & mask
    for k in keys:
        left, right = right, left ^ (_mix(right ^ k) & mask)
    return (left << shift) | right


def keyed_permutation(index: npt.NDArray[np.int64], n: int,
                      keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """``out[i, f] = perm_f(index[i])``, where ``perm_f`` is the permutation of ``0..n-1``
    given by the round keys ``keys[:, f]`` (shape ``[rounds, permutations]``).

    Cycle walking: the Feistel network permutes ``0..4**half - 1`` (at most ``4 n`` values);
    values at or above ``n`` go through it again until they fall below ``n``. This ends
    because the starting value, below ``n``, lies on the same cycle.
    """
    half = max(1, math.ceil(max(1, (n - 1).bit_length()) / 2))
    limit = np.uint64(n)
    rounds, width = keys.shape
    x = np.broadcast_to(index.astype(np.uint64)[:, None], (len(index), width)).ravel()
    k = np.broadcast_to(keys[:, None, :], (rounds, len(index), width)).reshape(rounds, -1)
    with np.errstate(over="ignore"):
        y = _feistel(x, k, half)
        walk = np.flatnonzero(y >= limit)
        while walk.size:
            y[walk] = _feistel(y[walk], k[:, walk], half)
            walk = walk[y[walk] >= limit]
    return y.astype(np.int64).reshape(len(index), width)


def _lhs_points(names: Sequence[str], seed: int, reps: npt.NDArray[np.int64],
                jitter: npt.NDArray[np.float64], n_total: int | None) -> npt.NDArray[np.float64]:
    if n_total is None or n_total < 1:
        raise ValueError("a Latin hypercube needs n_total >= 1 (the number of replications)")
    if reps.size and int(reps.max()) >= n_total:
        raise ValueError(f"replication {int(reps.max())} is outside a design of {n_total}")
    keys = np.stack([_lhs_keys(seed, name) for name in names], axis=1) if names else \
        np.zeros((_FEISTEL_ROUNDS, 0), dtype=np.uint64)
    strata = keyed_permutation(reps, n_total, keys)
    return (strata + jitter) / n_total


# --- Sobol' ------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _sobol_engine(d: int, seed: int) -> qmc.Sobol:
    seq = np.random.SeedSequence(seed, spawn_key=(key_id("design:sobol"),))
    gen = np.random.Generator(np.random.PCG64(seq))
    try:
        return qmc.Sobol(d, scramble=True, rng=gen)
    except TypeError:  # scipy < 1.15 calls it ``seed``
        return qmc.Sobol(d, scramble=True, seed=gen)


# Engines left where the last block ended, so that a worker drawing blocks in increasing order
# fast-forwards (O(gap) in scipy) over the gap only, not from 0. Positions, not random state:
# the points are the same whichever engine draws them.
_CURSORS: dict[tuple[int, int], qmc.Sobol] = {}
_CURSORS_LOCK = threading.Lock()


def _sobol_block(d: int, seed: int, start: int, stop: int) -> npt.NDArray[np.float64]:
    """Points ``start..stop-1`` of the scrambled sequence."""
    with _CURSORS_LOCK:
        engine = _CURSORS.pop((d, seed), None)
        if engine is None or engine.num_generated > start:
            engine = copy.deepcopy(_sobol_engine(d, seed))
        if engine.num_generated == 0 and start == 0:
            # the first point alone: scipy warns when a first draw is not a power of 2
            block = np.vstack([engine.random(1), engine.random(stop - 1)])
        else:
            engine.fast_forward(start - engine.num_generated)
            block = engine.random(stop - start)
        if len(_CURSORS) >= 8:
            _CURSORS.clear()
        _CURSORS[(d, seed)] = engine
    return block


def _sobol_points(d: int, seed: int, reps: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    out = np.empty((len(reps), d))
    if d == 0 or not reps.size:
        return out
    if d > _SOBOL_MAX_DIM:
        raise ValueError(f"a Sobol' design supports at most {_SOBOL_MAX_DIM} inputs, not {d}")
    order = np.argsort(reps, kind="stable")
    ordered = reps[order]
    breaks = np.flatnonzero(np.diff(ordered) > 1) + 1  # contiguous runs of replications
    for run in np.split(np.arange(len(ordered)), breaks):
        start, stop = int(ordered[run[0]]), int(ordered[run[-1]]) + 1
        block = _sobol_block(d, seed, start, stop)
        out[order[run]] = block[ordered[run] - start]
    return out


# --- Gaussian copula ---------------------------------------------------------------------


@lru_cache(maxsize=64)
def _copula_factor(spec: CorrelationSpec, names: tuple[str, ...]
                   ) -> tuple[tuple[int, ...], npt.NDArray[np.float64]]:
    """Columns of the correlated inputs (in ``names`` order) and the Cholesky factor."""
    index = {name: k for k, name in enumerate(names)}
    for a, b, rho in spec.pairs:
        for name in (a, b):
            if name not in index:
                raise ValueError(f"correlated input {name!r} is not an uncertain input")
        if a == b or not -1.0 < rho < 1.0:
            raise ValueError(f"invalid rank correlation {rho!r} between {a!r} and {b!r}")
    cols = tuple(sorted({index[n] for a, b, _ in spec.pairs for n in (a, b)}))
    pos = {c: k for k, c in enumerate(cols)}
    pearson = np.eye(len(cols))
    for a, b, rho in spec.pairs:
        i, j = pos[index[a]], pos[index[b]]
        pearson[i, j] = pearson[j, i] = 2.0 * math.sin(math.pi * rho / 6.0)
    try:
        factor = np.asarray(np.linalg.cholesky(pearson), dtype=np.float64)
    except np.linalg.LinAlgError:
        raise ValueError("the rank correlations do not give a positive definite normal "
                         "correlation matrix; weaken some of them") from None
    return cols, factor


def _correlate(u: npt.NDArray[np.float64], names: tuple[str, ...],
               spec: CorrelationSpec) -> npt.NDArray[np.float64]:
    cols, factor = _copula_factor(spec, names)
    idx = list(cols)
    z = special.ndtri(np.clip(u[:, idx], 1e-300, _ONE_BELOW))
    out = u.copy()
    # Row by row in a fixed order, not ``z @ factor.T``: BLAS may sum in an order that depends
    # on the number of rows, and a replication must not depend on its batch. The factor's
    # first row is (1, 0, ...): the group's first input keeps its draw exactly.
    for j in range(1, len(idx)):
        mixed = z[:, 0] * factor[j, 0]
        for k in range(1, j + 1):
            mixed = mixed + z[:, k] * factor[j, k]
        out[:, idx[j]] = special.ndtr(mixed)
    return out
