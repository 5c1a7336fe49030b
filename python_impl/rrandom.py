"""R's default random number generator, bit for bit: `set.seed` + Mersenne-Twister +
`sample()` with the "Rejection" sampling kind (R >= 3.6 defaults), and `runif`.

Stateful like R's global stream: successive calls continue it, so
`r = RRandom(123); a = r.sample(686, 480); b = r.sample(v, 102)` equals the R code
`set.seed(123); a <- sample(686, 480); b <- sample(v, 102)`.

NumPy's MT19937 uses the same generator but a different seeding and a different
integer-sampling algorithm, so it cannot reproduce R's draws; hence this port of R's
src/main/RNG.c (MT_sgenrand/MT_genrand, Randomize/FixupSeeds) and R_unif_index.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

_N, _M = 624, 397
_UPPER_MASK, _LOWER_MASK, _MATRIX_A = 0x80000000, 0x7FFFFFFF, 0x9908B0DF
_I2_32M1 = 2.328306437080797e-10  # 1/(2^32 - 1), R's fixup constant
_MT_SCALE = 2.3283064365386963e-10  # 2^-32, R's MT_genrand scale


class RRandom:
    """R's global RNG after `set.seed(seed)` (kind "Mersenne-Twister", sample.kind "Rejection")."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        s = self.seed & 0xFFFFFFFF  # R: Int32 seed cast to unsigned
        # R's Randomize(): initial scrambling
        for _ in range(50):
            s = (69069 * s + 1) & 0xFFFFFFFF
        # RNG_Init fills i_seed[0..624] (dummy[0] is mti, dummy[1..624] the state)
        seeds = []
        for _ in range(_N + 1):
            s = (69069 * s + 1) & 0xFFFFFFFF
            seeds.append(s)
        # FixupSeeds: dummy[0] = 624 (mti = N), state must not be all zero
        self._mt = np.array(seeds[1:], dtype=np.uint64)
        if not self._mt.any():
            self._mt[0] = 1  # pragma: no cover - unreachable for 69069 LCG seeds
        self._mti = _N
        self._buf: np.ndarray = np.empty(0, dtype=np.uint64)
        self._buf_list: list[int] = []
        self._pos = 0

    # -- Mersenne-Twister -------------------------------------------------------------
    def _twist(self) -> None:
        mt = self._mt
        y = np.empty(_N, dtype=np.uint64)
        # vectorised in the three ranges of the reference loop (dependencies respected)
        k = np.arange(_N - _M)
        y[k] = (mt[k] & _UPPER_MASK) | (mt[k + 1] & _LOWER_MASK)
        mt[k] = mt[k + _M] ^ (y[k] >> 1) ^ ((y[k] & 1) * _MATRIX_A)
        for kk in range(_N - _M, _N - 1):  # depends on freshly updated mt[kk + M - N]
            yy = (int(mt[kk]) & _UPPER_MASK) | (int(mt[kk + 1]) & _LOWER_MASK)
            mt[kk] = int(mt[kk + (_M - _N)]) ^ (yy >> 1) ^ ((yy & 1) * _MATRIX_A)
        yy = (int(mt[_N - 1]) & _UPPER_MASK) | (int(mt[0]) & _LOWER_MASK)
        mt[_N - 1] = int(mt[_M - 1]) ^ (yy >> 1) ^ ((yy & 1) * _MATRIX_A)

    def _genrand_block(self) -> np.ndarray:
        """The next 624 tempered outputs as uint64 (one twist)."""
        self._twist()
        y = self._mt.copy()
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y &= 0xFFFFFFFF
        y ^= (y << 15) & 0xEFC60000
        y &= 0xFFFFFFFF
        y ^= y >> 18
        return y

    def _next_u32(self, k: int) -> np.ndarray:
        out = np.empty(k, dtype=np.uint64)
        filled = 0
        while filled < k:
            if self._pos >= len(self._buf):
                self._buf = self._genrand_block()
                self._pos = 0
                self._buf_list = self._buf.tolist()
            take = min(k - filled, len(self._buf) - self._pos)
            out[filled:filled + take] = self._buf[self._pos:self._pos + take]
            self._pos += take
            filled += take
        return out

    # -- uniforms -----------------------------------------------------------------------
    def unif_rand(self, k: int = 1) -> np.ndarray:
        """R's `unif_rand()` k times: MT output * 2^-32, then `fixup` into (0, 1)."""
        v = self._next_u32(k).astype(np.float64) * _MT_SCALE
        # fixup(): ensure in [0,1) -> (0,1): R maps <= 0 to half of 1/(2^32-1), >= 1 to 1 - that.
        v[v <= 0.0] = 0.5 * _I2_32M1
        v[1.0 - v <= 0.0] = 1.0 - 0.5 * _I2_32M1
        return v

    def runif(self, k: int, min: float = 0.0, max: float = 1.0) -> np.ndarray:
        """`runif(k, min, max)`: `min + (max - min) * unif_rand()` per draw."""
        if min == max:
            return np.full(k, float(min))
        return min + (max - min) * self.unif_rand(k)

    # -- integers -----------------------------------------------------------------------
    def _unif_scalar(self) -> float:
        """One `unif_rand()` as a Python float (fast path for the integer samplers)."""
        if self._pos >= len(self._buf):
            self._buf = self._genrand_block()
            self._pos = 0
            self._buf_list = self._buf.tolist()
        v = self._buf_list[self._pos] * _MT_SCALE
        self._pos += 1
        if v <= 0.0:
            return 0.5 * _I2_32M1
        if 1.0 - v <= 0.0:
            return 1.0 - 0.5 * _I2_32M1
        return v

    def _rbits(self, bits: int) -> int:
        v = 0
        for _ in range(0, bits + 1, 16):  # R: for (n = 0; n <= bits; n += 16): bits=16 takes 2 draws
            v1 = int(math.floor(self._unif_scalar() * 65536))
            v = 65536 * v + v1
        # mask out the bits beyond `bits` (R: one-less-than-power-of-two mask)
        return v & ((1 << bits) - 1)

    def unif_index(self, dn: int) -> int:
        """R_unif_index(dn) with sample.kind "Rejection": uniform integer in [0, dn)."""
        if dn <= 0:
            return 0
        bits = int(math.ceil(math.log2(dn)))
        while True:
            dv = self._rbits(bits)
            if dv < dn:
                return dv

    def sample_int(self, n: int, size: int | None = None, replace: bool = False) -> np.ndarray:
        """`sample.int(n, size, replace)` (uniform, no `prob`): 1-based integers."""
        n = int(n)
        size = n if size is None else _r_size(size)
        if n < 0:
            raise ValueError("invalid first argument: n must be >= 0 (R: 'invalid first argument')")
        if not replace and size > n:
            raise ValueError(
                f"cannot take a sample larger than the population ({size} > {n}) when 'replace = FALSE'"
            )
        out = np.empty(size, dtype=np.int64)
        if not replace and n > 1e7 and size <= n / 2:
            # R's sample.int(useHash = TRUE) -> do_sample2: redraw on collision
            seen: set[int] = set()
            for i in range(size):
                while True:
                    v = self.unif_index(n)
                    if v not in seen:
                        seen.add(v)
                        break
                out[i] = v + 1
            return out
        if replace or size < 2:
            for i in range(size):
                out[i] = self.unif_index(n) + 1
            return out
        # R keeps x = 0..n-1 and swaps the last live element into the drawn slot; a dict holds
        # only the swapped slots, so a small sample from a huge n costs O(size), not O(n).
        x: dict[int, int] = {}
        m = n
        for i in range(size):
            j = self.unif_index(m)
            out[i] = x.get(j, j) + 1
            m -= 1
            x[j] = x.get(m, m)
        return out

    def sample(self, x, size=None, replace: bool = False) -> np.ndarray:
        """`sample(x, size, replace)` with R's rules for `x`.

        A length-1 numeric `x >= 1` means `1:x` (R's documented pitfall: `sample(c(10), 3)`
        samples from 1..10, not from the vector `10`). Otherwise returns `x[sample.int(length(x), size)]`.
        """
        if np.isscalar(x) or (isinstance(x, (Sequence, np.ndarray)) and np.ndim(x) == 1 and len(x) == 1
                              and _is_number(np.asarray(x)[0])):
            x0 = np.asarray(x).reshape(-1)[0] if not np.isscalar(x) else x
            if _is_number(x0) and x0 >= 1:
                # R: if (length(x) == 1L && is.numeric(x) && is.finite(x) && x >= 1) sample.int(x, size)
                return self.sample_int(int(math.floor(x0)), size, replace)
        arr = np.asarray(x)
        idx = self.sample_int(len(arr), size, replace)
        return arr[idx - 1]


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and math.isfinite(v)


def _r_size(size) -> int:
    """R truncates a non-integer size towards zero (`0.7 * 686` -> 480)."""
    s = float(size)
    if not math.isfinite(s) or s < 0:
        raise ValueError(f"invalid 'size' argument: {size!r}")
    return int(s)
