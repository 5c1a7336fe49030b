"""Batched multi-seed trainer: S trainings of the article's 1-D CNN in one compiled program.

Keras `fit` spends ~3 s on one 10-epoch training of a 6,401-parameter model, almost all of it
in per-batch/per-epoch overheads. To study the *distribution* of the article's results over
Keras's random draws (init + shuffling) we need thousands of trainings, so this module trains
S seeds at once: every weight carries a leading seed axis, the whole epochs x batches loop is
one XLA program (`tf.function(jit_compile=True)` + `tf.while_loop` on TensorFlow,
`jax.jit` + `lax.fori_loop` on JAX), and the backward pass is written by hand so both backends
run the very same arithmetic.

The maths reproduces Keras 3.15 `fit` on the TensorFlow backend (measured, see
`tests/test_fast_trainer.py`, which feeds the same initial weights and batch order to both and
agrees to 1e-4 relative):

* model: conv1d(32, 3, relu) on (8, 1) -> maxpool(2) -> flatten (position-major: p*32+f)
  -> dense(64, relu) -> dense(1, sigmoid); conv1d is a contraction over 6 positions x 3 taps;
  `maxpool(relu(c)) == relu(maxpool(c))`, so we pool the pre-activations (ties go to the even
  position, as TF's MaxPool gradient does; a tie only matters where relu's gradient is 0).
* init ("glorot"): Glorot-uniform kernels (conv fan_in 3, fan_out 96; dense 96/64; out 64/1),
  zero biases.
* loss: binary cross-entropy from the sigmoid's *logits* (`tf.nn.sigmoid_cross_entropy_with_logits`:
  `max(z,0) - z*y + log1p(exp(-|z|))`), no 1e-7 clipping (Keras's TF backend recovers the logits
  from the Sigmoid op), averaged over the batch ("sum_over_batch_size"); gradient
  `(sigmoid(z) - y) / batch`.
* Adam, exactly Keras 3's update: `m += (g - m)*(1-b1)`; `v += (g^2 - v)*(1-b2)`;
  `alpha = lr*sqrt(1-b2^t)/(1-b1^t)`; `w -= m*alpha/(sqrt(v)+eps)`, t = 1, 2, ...
* history: "loss" and "accuracy" are running means over the epoch's batches (a `Mean` weighted by
  batch size) of values computed in each train step on the predictions made *before* that step's
  update -- not a post-epoch evaluation; "val_loss"/"val_accuracy" evaluate the validation rows
  after the epoch. accuracy counts `sigmoid(z) > 0.5` as 1.
* shuffling: Keras shuffles the row order each epoch with `tf.random.shuffle` inside its
  tf.data pipeline. After `keras.utils.set_random_seed(s)` the pipeline re-seeds that op
  identically on every epoch, so all epochs use the SAME permutation ("fixed"); unseeded, each
  epoch draws a new one ("per_epoch"). `keras_batch_order(seed)` recovers Keras's permutation.

Random draws of this module (init "glorot", shuffle "fixed"/"per_epoch") come from one NumPy
generator per seed (`numpy.random.default_rng(seed)`), so a seed's training does not depend on
the other seeds in the batch nor on the backend. They are NOT Keras's bits: use
`init="keras"` / `shuffle="keras"` (needs TensorFlow) or explicit arrays for that.
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

EPOCHS = 10
BATCH_SIZE = 32
LEARNING_RATE = 1e-3
BETA_1 = 0.9
BETA_2 = 0.999
EPSILON = 1e-7
N_FEATURES = 8
N_FILTERS = 32
KERNEL = 3
N_POS = N_FEATURES - KERNEL + 1  # 6 conv output positions
N_POOL = N_POS // 2  # 3 positions after maxpool(2)
N_FLAT = N_POOL * N_FILTERS  # 96
N_HIDDEN = 64

#: Keras's `model.get_weights()` order and shapes (without the seed axis).
WEIGHT_SHAPES: tuple[tuple[int, ...], ...] = (
    (KERNEL, 1, N_FILTERS), (N_FILTERS,), (N_FLAT, N_HIDDEN), (N_HIDDEN,), (N_HIDDEN, 1), (1,),
)
WEIGHT_NAMES = ("conv_kernel", "conv_bias", "dense_kernel", "dense_bias", "out_kernel", "out_bias")
N_PARAMS = sum(int(np.prod(s)) for s in WEIGHT_SHAPES)  # 6401
# Glorot-uniform fans of the three kernels (Keras: conv fan_in = k*in_ch, fan_out = k*filters).
_GLOROT_FANS = {0: (KERNEL * 1, KERNEL * N_FILTERS), 2: (N_FLAT, N_HIDDEN), 4: (N_HIDDEN, 1)}
BACKENDS = ("tensorflow", "jax")


# --------------------------------------------------------------------------- results


@dataclass
class BatchResult:
    """S trainings. History arrays are (S, epochs); `test_probabilities` is (S, n_test);
    `weights` are the final weights in Keras's `get_weights()` order with a leading S axis."""

    seeds: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    test_probabilities: np.ndarray
    test_loss: np.ndarray
    test_accuracy: np.ndarray
    weights: list[np.ndarray]
    backend: str
    seconds: float = float("nan")  # the compiled training call alone (excludes preparation)
    prepare_seconds: float = float("nan")
    extra: dict = field(default_factory=dict)

    @property
    def n_seeds(self) -> int:
        return int(self.loss.shape[0])

    def history(self, i: int) -> dict[str, list[float]]:
        """The i-th training's history, shaped as Keras's `History.history`."""
        return {k: [float(v) for v in getattr(self, k)[i]]
                for k in ("loss", "accuracy", "val_loss", "val_accuracy")}

    def aucs(self, y_test) -> np.ndarray:
        """Per-seed ROC AUC (Mann-Whitney, ties count 1/2: equal to pROC's and scikit-learn's
        AUC for direction "<"), from the test probabilities."""
        return auc_per_row(self.test_probabilities, y_test)


def auc_per_row(scores: np.ndarray, y) -> np.ndarray:
    """AUC of each row of `scores` (S, n) against 0/1 labels `y` (n,), rank-based with ties 1/2."""
    from scipy.stats import rankdata

    scores = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    y = np.asarray(y).astype(bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    ranks = rankdata(scores, axis=1)
    return (ranks[:, y].sum(axis=1) - n1 * (n1 + 1) / 2) / (n1 * n0)


# --------------------------------------------------------------------------- inputs


def glorot_weights(seeds: Sequence[int]) -> list[np.ndarray]:
    """Glorot-uniform kernels and zero biases for each seed (NumPy `default_rng(seed)`), in
    Keras's weight order, each with a leading seed axis, float32."""
    seeds = _as_seeds(seeds)
    out = [np.zeros((len(seeds),) + s, np.float32) for s in WEIGHT_SHAPES]
    for i, s in enumerate(seeds):
        rng = np.random.default_rng([int(s), 0x1A17])  # stream 0x1A17: init
        for j, (fi, fo) in _GLOROT_FANS.items():
            lim = np.sqrt(6.0 / (fi + fo))
            out[j][i] = rng.uniform(-lim, lim, size=WEIGHT_SHAPES[j]).astype(np.float32)
    return out


def shuffle_permutations(seeds: Sequence[int], n: int, epochs: int = EPOCHS,
                         mode: str = "per_epoch") -> np.ndarray:
    """(S, epochs, n) int32 row orders: "per_epoch" draws a new permutation every epoch (Keras
    unseeded), "fixed" reuses one permutation for all epochs (Keras after `set_random_seed`),
    "none" keeps the data order (`shuffle=False`)."""
    seeds = _as_seeds(seeds)
    if mode == "none":
        return np.broadcast_to(np.arange(n, dtype=np.int32), (len(seeds), epochs, n)).copy()
    if mode not in ("per_epoch", "fixed"):
        raise ValueError(f"shuffle mode {mode!r}: expected 'per_epoch', 'fixed' or 'none'")
    k = epochs if mode == "per_epoch" else 1
    out = np.empty((len(seeds), epochs, n), np.int32)
    base = np.tile(np.arange(n, dtype=np.int32), (k, 1))
    for i, s in enumerate(seeds):
        rng = np.random.default_rng([int(s), 0x5AF1])  # stream 0x5AF1: shuffling
        out[i] = rng.permuted(base, axis=1)
    return out


def keras_initial_weights(seed: int) -> list[np.ndarray]:
    """The initial weights Keras draws for the article's model after `seed_everything(seed)`
    (`python_impl.model`), in `get_weights()` order, float32 (needs Keras). Leaves the
    process seeded with `seed`, as `seed_everything` does."""
    from python_impl.model import build_model, seed_everything

    seed_everything(int(seed))
    model = build_model()
    return [np.asarray(w, np.float32) for w in model.get_weights()]


def keras_batch_order(seed: int | None, n: int, epochs: int = EPOCHS,
                      batch_size: int = BATCH_SIZE) -> np.ndarray:
    """(epochs, n) int32: the row order Keras 3's `fit` (TensorFlow backend, `shuffle=True`)
    feeds, epoch by epoch, after `seed_everything(seed)` (`seed=None`: unseeded, whatever the
    global state gives).

    It builds the very tf.data pipeline `fit` builds (`ArrayDataAdapter.get_tf_dataset`) over
    the row numbers and iterates it once per epoch, as `fit` does. The permutation depends on
    the global seed and on n only (not on the model or data), so it can be recovered before or
    after building the model (checked in tests/test_fast_trainer.py against a real `fit`).
    """
    from python_impl import model as _model

    _model.keras()
    from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

    if seed is not None:
        _model.seed_everything(int(seed))
    elif hasattr(_model, "unseed_everything"):
        _model.unseed_everything()  # an earlier seed must not make "unseeded" repeat itself
    adapter = ArrayDataAdapter(np.arange(n, dtype=np.int64).reshape(n, 1),
                               batch_size=batch_size, shuffle=True)
    ds = adapter.get_tf_dataset()
    out = np.empty((epochs, n), np.int32)
    for e in range(epochs):
        out[e] = np.concatenate([np.asarray(b).reshape(-1) for b in ds])
    return out


def _as_seeds(seeds) -> np.ndarray:
    if isinstance(seeds, (int, np.integer)):
        seeds = range(int(seeds))
    return np.asarray(list(seeds), dtype=np.int64).reshape(-1)


def _as_weights(w, n_seeds: int) -> list[np.ndarray]:
    if isinstance(w, dict):
        w = [w[k] for k in WEIGHT_NAMES]
    w = list(w)
    if len(w) != len(WEIGHT_SHAPES):
        raise ValueError(f"expected {len(WEIGHT_SHAPES)} weight arrays, got {len(w)}")
    out = []
    for a, shp, name in zip(w, WEIGHT_SHAPES, WEIGHT_NAMES):
        a = np.asarray(a, np.float32)
        if a.shape == shp:
            a = np.broadcast_to(a, (n_seeds,) + shp)
        if a.shape != (n_seeds,) + shp:
            raise ValueError(f"{name}: shape {a.shape}, expected {(n_seeds,) + shp} or {shp}")
        out.append(np.ascontiguousarray(a))
    return out


def check_orders(p, n_seeds: int, n: int, epochs: int) -> np.ndarray:
    """Explicit row orders, validated: (n,) is one order for every epoch and seed, (epochs, n) one
    order per epoch shared by the seeds, (S, epochs, n) as is. Returns them as a (1|S, 1|epochs, n)
    array, not broadcast (a shared order is not copied S times)."""
    p = np.asarray(p)
    if p.ndim == 1:
        p = p[None, None, :]
    elif p.ndim == 2:
        p = p[None]
    if p.ndim != 3 or p.shape[-1] != n or p.shape[1] not in (1, epochs) \
            or p.shape[0] not in (1, n_seeds):
        raise ValueError(f"shuffle: shape {np.shape(p)} does not fit (S={n_seeds}, "
                         f"epochs={epochs}, n={n})")
    if not (np.sort(p, axis=-1) == np.arange(n)).all():
        raise ValueError("shuffle: every row of the permutations must be a permutation of 0..n-1")
    return p


def _as_permutations(p, n_seeds: int, n: int, epochs: int) -> np.ndarray:
    """Explicit row orders -> (S, epochs, n) int32 (see `check_orders`)."""
    return np.broadcast_to(check_orders(p, n_seeds, n, epochs), (n_seeds, epochs, n)).astype(np.int32)


# --------------------------------------------------------------------------- maths


class _Ops:
    """The handful of array operations the maths needs, per backend."""

    def __init__(self, backend: str):
        self.name = backend
        if backend == "tensorflow":
            from python_impl import quiet_tensorflow_import

            tf = quiet_tensorflow_import()

            self.tf = tf
            self.einsum = tf.einsum
            self.maximum = tf.maximum
            self.where = tf.where
            self.exp = tf.exp
            self.log1p = tf.math.log1p
            self.abs = tf.abs
            self.sqrt = tf.sqrt
            self.sigmoid = tf.sigmoid
            self.reshape = tf.reshape
            self.stack = tf.stack
            self.relu = tf.nn.relu
            self.sum = lambda x, axis=None: tf.reduce_sum(x, axis=axis)
            self.mean = lambda x, axis=None: tf.reduce_mean(x, axis=axis)
            self.f32 = lambda x: tf.cast(x, tf.float32)
            self.zeros = lambda shape: tf.zeros(shape, tf.float32)
            self.pow = tf.pow
            self.take = lambda x, idx: tf.gather(x, idx, axis=0)
        elif backend == "jax":
            import jax
            import jax.numpy as jnp

            self.jax, self.jnp = jax, jnp
            hi = jax.lax.Precision.HIGHEST  # true float32 matmuls: no TF32/bf16 passes on GPU
            self.einsum = lambda spec, *a: jnp.einsum(spec, *a, precision=hi)
            self.maximum = jnp.maximum
            self.where = jnp.where
            self.exp = jnp.exp
            self.log1p = jnp.log1p
            self.abs = jnp.abs
            self.sqrt = jnp.sqrt
            self.sigmoid = jax.nn.sigmoid
            self.reshape = jnp.reshape
            self.stack = jnp.stack
            self.relu = lambda x: jnp.maximum(x, 0.0)
            self.sum = lambda x, axis=None: jnp.sum(x, axis=axis)
            self.mean = lambda x, axis=None: jnp.mean(x, axis=axis)
            self.f32 = lambda x: jnp.asarray(x, jnp.float32)
            self.zeros = lambda shape: jnp.zeros(shape, jnp.float32)
            self.pow = jnp.power
            self.take = lambda x, idx: jnp.take(x, idx, axis=0)
        else:
            raise ValueError(f"backend {backend!r}: expected one of {BACKENDS}")

    def fori(self, n, body, carry):
        """carry = body(i, carry) for i in 0..n-1, compiled as a loop."""
        if self.name == "tensorflow":
            tf = self.tf

            def cond(i, *c):
                return i < n

            def b(i, *c):
                return (i + 1,) + tuple(body(i, tuple(c)))

            out = tf.while_loop(cond, b, (tf.constant(0),) + tuple(carry),
                                parallel_iterations=1, maximum_iterations=n)
            return tuple(out[1:])
        return self.jax.lax.fori_loop(0, n, lambda i, c: tuple(body(i, c)), tuple(carry))


def _patches(ops, x):
    """(..., 8) rows -> (..., 6, 3) conv1d patches: P[..., p, k] = x[..., p + k]."""
    return ops.stack([x[..., k:k + N_POS] for k in range(KERNEL)], axis=-1)


def _forward(ops, w, x, shared: bool):
    """Logits and the intermediates the backward pass needs.

    w: (Kc (S,3,32), bc (S,32), W1 (S,96,64), b1 (S,64), W2 (S,64), b2 (S,)).
    x: (S, B, 8) per-seed rows, or (B, 8) rows shared by all seeds (`shared`).
    """
    kc, bc, w1, b1, w2, b2 = w
    p = _patches(ops, x)  # (S,B,6,3) or (B,6,3)
    pb = p[None] if shared else p
    # conv1d as 3 broadcast multiply-adds (a contraction of length 3 is a poor matmul)
    c = (pb[..., 0:1] * kc[:, None, None, 0, :] + pb[..., 1:2] * kc[:, None, None, 1, :]
         + pb[..., 2:3] * kc[:, None, None, 2, :])  # (S,B,6,32)
    s_, b_ = w1.shape[0], c.shape[1]
    c = ops.reshape(c, (s_, b_, N_POOL, 2, N_FILTERS))
    ce, co = c[:, :, :, 0, :], c[:, :, :, 1, :]
    cm = ops.maximum(ce, co) + bc[:, None, None, :]  # maxpool(conv) + bias, (S,B,3,32)
    a = ops.reshape(ops.relu(cm), (s_, b_, N_FLAT))
    z1 = ops.einsum("sbi,sio->sbo", a, w1) + b1[:, None, :]
    h1 = ops.relu(z1)
    z2 = ops.einsum("sbo,so->sb", h1, w2) + b2[:, None]
    return z2, (p, ce, co, cm, a, z1, h1)


def _bce_logits(ops, z, y):
    """tf.nn.sigmoid_cross_entropy_with_logits: max(z,0) - z*y + log1p(exp(-|z|))."""
    return ops.relu(z) - z * y + ops.log1p(ops.exp(-ops.abs(z)))


def _accuracy_hits(ops, z, y):
    return ops.f32(ops.where(ops.sigmoid(z) > 0.5, 1.0, 0.0) == y)


def _backward(ops, w, z2, inter, y, rw):
    """Gradients of sum_i rw_i * bce(z_i, y_i) (rw = row weight: 1/batch for real rows, 0 for
    padding), by hand, in Keras's weight order."""
    kc, bc, w1, b1, w2, b2 = w
    p, ce, co, cm, a, z1, h1 = inter
    s_, b_ = z2.shape[0], z2.shape[1]
    d2 = (ops.sigmoid(z2) - y) * rw  # (S,B)
    g_w2 = ops.einsum("sb,sbo->so", d2, h1)
    g_b2 = ops.sum(d2, axis=1)
    dz1 = ops.where(z1 > 0, d2[:, :, None] * w2[:, None, :], 0.0)  # (S,B,64)
    g_w1 = ops.einsum("sbi,sbo->sio", a, dz1)
    g_b1 = ops.sum(dz1, axis=1)
    da = ops.einsum("sbo,sio->sbi", dz1, w1)
    dcm = ops.where(cm > 0, ops.reshape(da, (s_, b_, N_POOL, N_FILTERS)), 0.0)  # (S,B,3,32)
    g_bc = ops.sum(dcm, axis=(1, 2))
    even = ce >= co  # TF's MaxPool gradient routes ties to the first element
    dc = ops.stack([ops.where(even, dcm, 0.0), ops.where(even, 0.0, dcm)], axis=3)
    dc = ops.reshape(dc, (s_, b_, N_POS, N_FILTERS))
    g_kc = ops.einsum("sbpk,sbpf->skf", p, dc) if len(p.shape) == 4 else \
        ops.einsum("bpk,sbpf->skf", p, dc)
    return (g_kc, g_bc, g_w1, g_b1, g_w2, g_b2)


def _adam(ops, w, m, v, g, t, lr, b1, b2, eps):
    """Keras 3 `Adam.update_step`, same operation order."""
    bp1 = ops.pow(ops.f32(b1), t)
    bp2 = ops.pow(ops.f32(b2), t)
    alpha = lr * ops.sqrt(1.0 - bp2) / (1.0 - bp1)
    c1, c2 = np.float32(1 - b1), np.float32(1 - b2)
    nw, nm, nv = [], [], []
    for wi, mi, vi, gi in zip(w, m, v, g):
        mi = mi + (gi - mi) * c1
        vi = vi + (gi * gi - vi) * c2
        wi = wi - (mi * alpha) / (ops.sqrt(vi) + np.float32(eps))
        nw.append(wi)
        nm.append(mi)
        nv.append(vi)
    return tuple(nw), tuple(nm), tuple(nv)


def _to_internal(weights):
    kc, bc, w1, b1, w2, b2 = weights
    return (kc.reshape(kc.shape[0], KERNEL, N_FILTERS), bc, w1, b1,
            w2.reshape(w2.shape[0], N_HIDDEN), b2.reshape(b2.shape[0]))


def _to_keras(weights):
    kc, bc, w1, b1, w2, b2 = (np.asarray(a) for a in weights)
    s = kc.shape[0]
    return [kc.reshape(s, KERNEL, 1, N_FILTERS), bc, w1, b1, w2.reshape(s, N_HIDDEN, 1),
            b2.reshape(s, 1)]


def _make_train(ops, n_train: int, epochs: int, batch_size: int, lr: float, b1: float,
                b2: float, eps: float):
    """The whole training (epochs x batches loop, validation, test) as one traceable function
    of (weights, batch indices (epochs, nb, S, B), x_train, y_train, x_val, y_val, x_test,
    y_test)."""
    nb = -(-n_train // batch_size)
    sizes = np.full(nb, batch_size, np.float32)
    sizes[-1] = n_train - batch_size * (nb - 1)
    row_w = (np.arange(batch_size)[None, :] < sizes[:, None]).astype(np.float32)  # (nb, B)
    row_w_mean = row_w / sizes[:, None]
    f32 = np.float32

    def train(weights, idx, xtr, ytr, xva, yva, xte, yte):
        s_ = weights[0].shape[0]
        zeros = tuple(ops.zeros(wi.shape) for wi in weights)
        hist0 = tuple(ops.zeros((s_, epochs)) for _ in range(4))
        onehots = np.eye(epochs, dtype=np.float32)
        rwm_all = ops.f32(row_w_mean)
        rw_all = ops.f32(row_w)
        size_all = ops.f32(sizes)

        def epoch_body(e, carry):
            w, m, v, t, hist = carry[0:6], carry[6:12], carry[12:18], carry[18], carry[19:23]
            idx_e = idx[e]

            def batch_body(b, c):
                w, m, v, t, lsum, hits = c[0:6], c[6:12], c[12:18], c[18], c[19], c[20]
                rows = idx_e[b]  # (S, B)
                x = ops.take(xtr, rows)  # (S, B, 8)
                y = ops.take(ytr, rows)  # (S, B)
                rwm = rwm_all[b][None, :]
                rw = rw_all[b][None, :]
                z2, inter = _forward(ops, w, x, shared=False)
                # batch loss as Keras's loss tracker sees it: mean over the batch's rows, then
                # weighted by the batch size in the epoch's running mean.
                bl = ops.sum(_bce_logits(ops, z2, y) * rwm, axis=1)
                lsum = lsum + bl * size_all[b]
                hits = hits + ops.sum(_accuracy_hits(ops, z2, y) * rw, axis=1)
                g = _backward(ops, w, z2, inter, y, rwm)
                t = t + 1.0
                w, m, v = _adam(ops, w, m, v, g, t, lr, b1, b2, eps)
                return w + m + v + (t, lsum, hits)

            c = ops.fori(nb, batch_body, tuple(w) + tuple(m) + tuple(v)
                         + (t, ops.zeros((s_,)), ops.zeros((s_,))))
            w, m, v, t, lsum, hits = c[0:6], c[6:12], c[12:18], c[18], c[19], c[20]
            zv, _ = _forward(ops, w, xva, shared=True)
            vl = ops.mean(_bce_logits(ops, zv, yva[None, :]), axis=1)
            va = ops.mean(_accuracy_hits(ops, zv, yva[None, :]), axis=1)
            oh = ops.take(ops.f32(onehots), e)[None, :]
            vals = (lsum / f32(n_train), hits / f32(n_train), vl, va)
            hist = tuple(h + oh * val[:, None] for h, val in zip(hist, vals))
            return w + m + v + (t,) + hist

        init = tuple(weights) + zeros + zeros + (ops.f32(0.0),) + hist0
        out = ops.fori(epochs, epoch_body, init)
        w, hist = out[0:6], out[19:23]
        zt, _ = _forward(ops, w, xte, shared=True)
        pt = ops.sigmoid(zt)
        tl = ops.mean(_bce_logits(ops, zt, yte[None, :]), axis=1)
        ta = ops.mean(_accuracy_hits(ops, zt, yte[None, :]), axis=1)
        return tuple(w) + hist + (pt, tl, ta)

    return train


_COMPILED: dict[tuple, Any] = {}


def _compiled(backend: str, n_train: int, epochs: int, batch_size: int, hyper: tuple):
    key = (backend, n_train, epochs, batch_size, hyper)
    if key not in _COMPILED:
        ops = _Ops(backend)
        fn = _make_train(ops, n_train, epochs, batch_size, *hyper)
        if backend == "tensorflow":
            tf = ops.tf
            _COMPILED[key] = tf.function(fn, jit_compile=True, autograph=False)
        else:
            _COMPILED[key] = ops.jax.jit(fn)
    return _COMPILED[key]


def compiled_program(backend: str, n_train: int, epochs: int = EPOCHS,
                     batch_size: int = BATCH_SIZE,
                     hyper: tuple = (LEARNING_RATE, BETA_1, BETA_2, EPSILON)):
    """The compiled training program itself (cached): called as
    `fn(weights, idx, x_train, y_train, x_val, y_val, x_test, y_test)` on prepared inputs
    (`prepare`), returning backend arrays (6 final weights in the internal layout, 4 histories
    (S, epochs), test probabilities (S, n_test), test loss (S,), test accuracy (S,)). The GPU
    benchmark uses it to time device compute alone (inputs already on the device)."""
    return _compiled(backend, int(n_train), epochs, batch_size, tuple(float(h) for h in hyper))


def _batch_indices(perms: np.ndarray, batch_size: int) -> np.ndarray:
    """(S, epochs, n) orders -> (epochs, nb, S, B) row indices, padded with row 0."""
    s, e, n = perms.shape
    nb = -(-n // batch_size)
    pad = nb * batch_size - n
    if pad:
        perms = np.concatenate([perms, np.zeros((s, e, pad), perms.dtype)], axis=2)
    return np.ascontiguousarray(perms.reshape(s, e, nb, batch_size).transpose(1, 2, 0, 3))


# --------------------------------------------------------------------------- API


def train_batch(x_train, y_train, x_val, y_val, x_test, y_test=None, *,
                seeds: Sequence[int] | int = 1, init: Any = "glorot", shuffle: Any = "per_epoch",
                backend: str = "tensorflow", epochs: int = EPOCHS, batch_size: int = BATCH_SIZE,
                learning_rate: float = LEARNING_RATE, beta_1: float = BETA_1,
                beta_2: float = BETA_2, epsilon: float = EPSILON, chunk: int | None | str = "auto",
                threads: int | None = None, keep_weights: bool | None = None) -> BatchResult:
    """Train the article's model once per seed, all seeds in one compiled program.

    x_*: (n, 8) standardized features (cast to float32, as R keras hands them to Keras);
    y_*: 0/1 labels; `y_test` is optional (test loss/accuracy are NaN without it).
    seeds: a sequence of ints, or an int S meaning seeds 0..S-1.
    init: "glorot" (NumPy Glorot-uniform per seed), "keras" (Keras's own draw after
      `seed_everything(seed)`, one model build per seed: slow, needs Keras), or explicit
      weights: 6 arrays in Keras's `get_weights()` order, each (S, ...) or unbatched.
    shuffle: "per_epoch" (new order each epoch, as unseeded Keras and the article),
      "fixed" (one order per seed for all epochs, as Keras after `set_random_seed`),
      "keras" (Keras's exact order for each seed, needs TensorFlow), "none", or explicit
      permutations: (n,), (epochs, n) or (S, epochs, n).
    backend: "tensorflow" (tf.function jit_compile) or "jax" (jax.jit).
    chunk, threads: how the seeds are split over compiled calls (see `run_compiled`).
    keep_weights: return the final weights (`BatchResult.weights`); None (default) keeps them
      up to `KEEP_WEIGHTS_MAX_SEEDS` seeds and drops them (weights=None) beyond, so memory
      stays bounded: 25.6 KB per seed would be 2.6 GB at S = 100,000.

    Memory: the initial weights and batch orders of a chunk are drawn when the chunk runs
    (each seed's draws depend on its seed only, so the results are those of drawing them all
    up front), and the outputs go straight into preallocated arrays: the peak is the
    runtime's own footprint + a few chunks' inputs + the returned arrays (histories and test
    probabilities, ~0.6 KB per seed), whatever S is.
    """
    from python_impl.training import as_input, as_label

    t0 = time.perf_counter()
    seeds = _as_seeds(seeds)
    n_seeds = len(seeds)
    xtr, xva, xte = (as_input(a) for a in (x_train, x_val, x_test))
    ytr, yva = as_label(y_train).reshape(-1), as_label(y_val).reshape(-1)
    yte = (np.full(len(xte), np.nan, np.float32) if y_test is None
           else as_label(y_test).reshape(-1))
    n = len(xtr)
    for name, a in (("x_train", xtr), ("x_val", xva), ("x_test", xte)):
        if a.ndim != 2 or a.shape[1] != N_FEATURES:
            raise ValueError(f"{name}: shape {a.shape}, expected (n, {N_FEATURES})")
    if keep_weights is None:
        keep_weights = n_seeds <= KEEP_WEIGHTS_MAX_SEEDS

    # per-chunk input makers: (lo, hi) -> that chunk's weights / permutations
    if isinstance(init, str):
        if init == "glorot":
            weights_of = lambda lo, hi: glorot_weights(seeds[lo:hi])  # noqa: E731
        elif init == "keras":
            def weights_of(lo, hi):
                per = [keras_initial_weights(int(s)) for s in seeds[lo:hi]]
                return [np.stack([p[j] for p in per]) for j in range(len(WEIGHT_SHAPES))]
        else:
            raise ValueError(f"init {init!r}: expected 'glorot', 'keras' or weight arrays")
    else:
        given = _as_weights(init, n_seeds)
        weights_of = lambda lo, hi: [a[lo:hi] for a in given]  # noqa: E731

    if isinstance(shuffle, str):
        if shuffle == "keras":
            perms_of = lambda lo, hi: np.stack(  # noqa: E731
                [keras_batch_order(int(s), n, epochs, batch_size) for s in seeds[lo:hi]])
        else:
            shuffle_permutations([0], 2, 1, shuffle)  # validates the mode up front
            perms_of = lambda lo, hi: shuffle_permutations(seeds[lo:hi], n, epochs, shuffle)  # noqa: E731
    else:
        perms_of = _permutation_source(shuffle, n_seeds, n, epochs)

    # Keras's draws re-seed process-global state: never from two chunk threads at once
    keras_draws = "keras" in (init if isinstance(init, str) else "",
                              shuffle if isinstance(shuffle, str) else "")

    def make_inputs(lo, hi):
        with (KERAS_DRAW_LOCK if keras_draws else _NO_LOCK):
            w, p = weights_of(lo, hi), np.asarray(perms_of(lo, hi))
        return (tuple(np.ascontiguousarray(a) for a in _to_internal(w)),
                _batch_indices(p, batch_size))

    t1 = time.perf_counter()
    fn = _compiled(backend, n, epochs, batch_size,
                   tuple(float(h) for h in (learning_rate, beta_1, beta_2, epsilon)))
    chunk, threads = _chunking(backend, n_seeds, chunk, threads)
    out = _run_chunks(backend, fn, n_seeds, make_inputs, chunk, threads,
                      (xtr, ytr, xva, yva, xte, yte), keep_weights)
    t2 = time.perf_counter()
    w, hist, (pt, tl, ta) = out[0:6], out[6:10], out[10:13]
    return BatchResult(
        seeds=seeds, loss=hist[0], accuracy=hist[1], val_loss=hist[2], val_accuracy=hist[3],
        test_probabilities=pt, test_loss=tl, test_accuracy=ta,
        weights=_to_keras(w) if keep_weights else None,
        backend=backend, seconds=t2 - t1, prepare_seconds=t1 - t0,
        extra={"chunk": chunk, "threads": threads, "weights_kept": bool(keep_weights)},
    )


#: `train_batch` keeps the final weights up to this many seeds by default (105 MB).
KEEP_WEIGHTS_MAX_SEEDS = 4096
#: held while drawing Keras's initial weights / batch orders (they seed global state)
KERAS_DRAW_LOCK = threading.RLock()
_NO_LOCK = contextlib.nullcontext()


def _permutation_source(p, n_seeds: int, n: int, epochs: int):
    """Explicit permutations, validated once, handed out per chunk without materialising the
    (S, epochs, n) broadcast of a shared order."""
    p = check_orders(p, n_seeds, n, epochs)

    def of(lo, hi):
        q = p if p.shape[0] == 1 else p[lo:hi]
        return np.broadcast_to(q, (hi - lo, epochs, n)).astype(np.int32)
    return of


def _chunking(backend: str, s_total: int, chunk, threads) -> tuple[int | None, int]:
    on_cpu = _device_kind(backend) == "cpu"
    threads = threads or (_threads_hint() if on_cpu else 1)
    if chunk == "auto":
        chunk = min(CPU_CHUNK, -(-s_total // threads)) if on_cpu else None
    if not chunk or chunk >= s_total:
        chunk = None
    return (None if chunk is None else int(chunk)), int(threads)


def _run_chunks(backend, fn, s_total: int, make_inputs, chunk, threads, data,
                keep_weights: bool = True) -> list:
    """Run `fn` chunk by chunk (`make_inputs(lo, hi)` -> (internal weights, idx)), writing
    into preallocated outputs; chunk None: one call for everything. The last chunk is padded
    with copies of its first seed (same shapes: one compilation). Final weights are not
    stored when `keep_weights` is false (their slots are None)."""
    size = chunk or s_total
    starts = list(range(0, s_total, size))
    outputs: list = []
    lock = threading.Lock()

    def one(i0):
        k = min(size, s_total - i0)
        w, ix = make_inputs(i0, i0 + k)
        if k < size and chunk:  # pad with copies of the first seed: no recompilation
            w = tuple(np.concatenate([a, np.repeat(a[:1], size - k, 0)]) for a in w)
            ix = np.concatenate([ix, np.repeat(ix[:, :, :1], size - k, 2)], axis=2)
        res = _call(backend, fn, w, ix, *data)
        del w, ix
        with lock:
            if not outputs:
                outputs.extend(None if (j < 6 and not keep_weights) else
                               np.empty((s_total,) + r.shape[1:], r.dtype)
                               for j, r in enumerate(res))
        for dst, r in zip(outputs, res):
            if dst is not None:
                dst[i0:i0 + k] = r[:k]

    if threads > 1 and len(starts) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(threads, len(starts))) as ex:  # tracing is locked
            list(ex.map(one, starts))
    else:
        for i0 in starts:
            one(i0)
    return outputs


def run_compiled(backend: str, weights, idx, xtr, ytr, xva, yva, xte, yte, *,
                 epochs: int = EPOCHS, batch_size: int = BATCH_SIZE,
                 hyper: tuple = (LEARNING_RATE, BETA_1, BETA_2, EPSILON),
                 chunk: int | None | str = "auto", threads: int | None = None,
                 ) -> list[np.ndarray]:
    """The compiled training on prepared inputs (internal weight layout, `_batch_indices`);
    returns NumPy arrays: 6 final weights, 4 histories, test probabilities, loss, accuracy.
    Benchmarks call this directly to time the training alone.

    On a CPU the seeds are trained in chunks (`chunk="auto"`: at most `CPU_CHUNK` seeds, so
    weights + Adam moments stay in cache: past ~256 seeds the Adam update becomes
    memory-bound) on `threads` Python threads (default: the usable cores; XLA releases the
    GIL), each chunk one call of the same compiled program (the last chunk padded, so there
    is one compilation). On an accelerator the whole batch is one call (`chunk=None`).
    Chunking changes no result: seeds never interact.
    """
    fn = _compiled(backend, int(xtr.shape[0]), epochs, batch_size, tuple(float(h) for h in hyper))
    weights = tuple(np.asarray(a, np.float32) for a in weights)
    idx = np.asarray(idx, np.int32)
    s_total = weights[0].shape[0]
    chunk, threads = _chunking(backend, s_total, chunk, threads)
    if chunk is None:
        return _call(backend, fn, weights, idx, xtr, ytr, xva, yva, xte, yte)
    return _run_chunks(backend, fn, s_total,
                       lambda lo, hi: (tuple(a[lo:hi] for a in weights), idx[:, :, lo:hi]),
                       chunk, threads, (xtr, ytr, xva, yva, xte, yte))


#: seeds per compiled call on a CPU (measured on 2 cores: 32-64 best; 1024 at once is ~2x slower)
CPU_CHUNK = 64


def _device_kind(backend: str) -> str:
    if backend == "tensorflow":
        import tensorflow as tf

        return "gpu" if tf.config.list_logical_devices("GPU") else "cpu"
    import jax

    return jax.default_backend()


def _call(backend, fn, weights, idx, xtr, ytr, xva, yva, xte, yte) -> list[np.ndarray]:
    res = fn(weights, idx, xtr, ytr, xva, yva, xte, yte)
    if backend == "tensorflow":
        return [r.numpy() for r in res]
    return [np.asarray(r) for r in res]


def prepare(seeds, n_train: int, init="glorot", shuffle="per_epoch", epochs: int = EPOCHS,
            batch_size: int = BATCH_SIZE):
    """(internal weights, batch indices) for `run_compiled`, as `train_batch` makes them."""
    seeds = _as_seeds(seeds)
    weights = glorot_weights(seeds) if isinstance(init, str) and init == "glorot" else \
        _as_weights(init, len(seeds))
    perms = (shuffle_permutations(seeds, n_train, epochs, shuffle) if isinstance(shuffle, str)
             else _as_permutations(shuffle, len(seeds), n_train, epochs))
    return _to_internal(weights), _batch_indices(perms, batch_size)


# --------------------------------------------------------------------------- distributions


def compare_distributions(fast_aucs, keras_aucs, alpha: float = 0.01) -> dict:
    """Two-sample comparison of a statistic (e.g. test AUC) from the batched trainer and from
    Keras `fit`: Kolmogorov-Smirnov and Mann-Whitney U (two-sided), plus the mean difference
    with its Welch standard error. `same` is True when neither test rejects at `alpha`."""
    from scipy import stats

    a = np.asarray(fast_aucs, np.float64).reshape(-1)
    b = np.asarray(keras_aucs, np.float64).reshape(-1)
    ks = stats.ks_2samp(a, b)
    mw = stats.mannwhitneyu(a, b, alternative="two-sided")
    diff = float(a.mean() - b.mean())
    se = float(np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))
    return {
        "n_fast": int(len(a)), "n_keras": int(len(b)),
        "mean_fast": float(a.mean()), "mean_keras": float(b.mean()),
        "sd_fast": float(a.std(ddof=1)), "sd_keras": float(b.std(ddof=1)),
        "mean_difference": diff, "mean_difference_se": se,
        "ks_statistic": float(ks.statistic), "ks_pvalue": float(ks.pvalue),
        "mannwhitney_u": float(mw.statistic), "mannwhitney_pvalue": float(mw.pvalue),
        "alpha": alpha, "same": bool(ks.pvalue >= alpha and mw.pvalue >= alpha),
    }


def flops_per_training(n_train: int = 480, n_val: int = 102, n_test: int = 104,
                       epochs: int = EPOCHS) -> float:
    """Approximate FLOPs of one training, counting a multiply-add as 2: forward
    2*(conv 6*3*32 + dense 96*64 + 64) per row, backward twice the forward, validation and
    test forward only: ~211 MFLOP for the article (design.md's ~226 counts more elementwise
    work). Used to report GFLOP/s next to trainings/s."""
    fwd = 2 * (N_POS * KERNEL * N_FILTERS + N_FLAT * N_HIDDEN + N_HIDDEN)
    return float(epochs * n_train * 3 * fwd + epochs * n_val * fwd + n_test * fwd)


def _threads_hint() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
