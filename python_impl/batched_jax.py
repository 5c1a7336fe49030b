"""The compiled program behind `python_impl.batched`: a `ModelSpec` -> one pure-JAX training.

Per seed, the training is written for ONE model (`_train_one`): a forward function per layer
type, the loss and metrics Keras computes, `jax.value_and_grad`, the Keras-exact optimizer
update, `lax.fori_loop` over epochs x batches, validation after each epoch, test predictions at
the end. `jax.vmap` maps it over the seed axis and `jax.jit` compiles it once per (spec, data
sizes, input modes, chunk size). `run` feeds it chunk by chunk: on a CPU on a few Python
threads (XLA releases the GIL), on accelerators pipelined (chunk k+1's inputs are prepared and
sent while chunk k computes; results come back with `copy_to_host_async`) and sharded over the
devices on the seed axis (`jax.sharding.NamedSharding`).

JAX is imported lazily: `import python_impl.batched_jax` is cheap; the first training imports
it and says how to install it when it is missing.
"""
from __future__ import annotations

import json
import os
import threading
from collections import deque

import numpy as np

#: seeds per compiled call on a CPU: small enough that a chunk's weights, optimizer state and
#: activations stay in cache (measured on 2 cores, the article's model at S = 256: 16 seeds
#: per call ~1.5x faster than 64, 128 ~2x slower; the MLP and conv benchmark models alike)
CPU_CHUNK = 16
#: seeds per device per call on an accelerator (memory grows linearly with it; a million seeds
#: are 16 pipelined chunks on one GPU)
DEVICE_CHUNK = 65536

_INIT_STREAM, _ORDER_STREAM, _DROPOUT_STREAM = 0x1A17, 0x5AF1, 0xD40F
PASS = object()  # a layer step that returned its input untouched (keeps Keras's logits)
_BASE_KEY = 0xB47C5EED


def _jax():
    try:
        import jax
        import jax.numpy as jnp
    except ImportError as e:  # pragma: no cover - the dev extra installs it
        raise ImportError(
            "python_impl.batched needs JAX (CPU is enough): it is in the project's dev extra, "
            "`make setup` or `.venv/bin/pip install -e '.[dev]'` installs it; without it use "
            "keras_fit_many (Keras fit per seed)") from e
    return jax, jnp


# --------------------------------------------------------------------------- the model


def _activation(jax, jnp, name):
    if name == "linear":
        return lambda x: x
    if name == "relu":
        return jax.nn.relu  # gradient 0 at 0, as TF's ReluGrad
    if name == "sigmoid":
        return jax.nn.sigmoid
    if name == "tanh":
        return jnp.tanh
    if name == "softmax":
        return lambda x: jax.nn.softmax(x, axis=-1)
    raise ValueError(name)


def _pool_fn(jnp, ps: int, s: int, lout: int, left: int, right: int):
    """Max-pooling over steps of (B, L, C): a fold of `where(t > m, t, m)` over the window's
    taps, so the gradient goes to the FIRST maximum, as TF's MaxPoolGrad routes ties."""

    def pool(x):
        if left or right:
            x = jnp.pad(x, ((0, 0), (left, right), (0, 0)), constant_values=-jnp.inf)
        m = x[:, 0: s * (lout - 1) + 1: s, :]
        for j in range(1, ps):
            t = x[:, j: j + s * (lout - 1) + 1: s, :]
            m = jnp.where(t > m, t, m)
        return m
    return pool


def _make_forward(spec):
    """forward(params, x, train, key) -> (logits or None, output) for ONE seed;
    params: a tuple of per-layer tuples (kernel, bias) in Keras's order; x (B, *input_shape).

    A Dense/Conv1D with a relu or linear activation followed by MaxPooling1D pools the
    pre-activations before the bias and the activation (max commutes with `+ b` and with a
    non-decreasing activation, exactly in floating point; at a tie of post-relu zeros the
    gradient is 0 either way): half the elementwise work on the conv's output, as
    fast_trainer does."""
    from python_impl.batched import _conv_geometry

    jax, jnp = _jax()
    hi = jax.lax.Precision.HIGHEST
    steps = []
    shape = spec.input_shape
    shapes = spec.shapes()
    layers = spec.layers
    skip_next = False
    acts = {}  # layer index -> its activation (layers that apply one)
    for i, l in enumerate(layers):
        c = l.config
        if skip_next:  # a max-pooling folded into the layer before
            steps.append(lambda p, x, train, key: (PASS, x))
            skip_next = False
            shape = shapes[i]
            continue
        if l.kind in ("dense", "conv1d"):
            act = _activation(jax, jnp, c["activation"])
            nxt = layers[i + 1] if i + 1 < len(layers) else None
            pool = None
            if nxt is not None and nxt.kind == "max_pooling1d" and \
                    c["activation"] in ("relu", "linear"):
                pc = nxt.config
                plout, pl, pr = _conv_geometry(shapes[i][0], pc["pool_size"], pc["strides"], 1,
                                               pc["padding"])
                pool = _pool_fn(jnp, pc["pool_size"], pc["strides"], plout, pl, pr)
                skip_next = True
            if l.kind == "dense":
                def pre(p, x):
                    return jnp.einsum("...i,io->...o", x, p[0], precision=hi)
            else:
                k, s, d = c["kernel_size"], c["strides"], c["dilation_rate"]
                lout, left, right = _conv_geometry(shape[0], k, s, d, c["padding"])
                ch, nf = shape[1], c["filters"]

                def pre(p, x, k=k, s=s, d=d, lout=lout, left=left, right=right, ch=ch, nf=nf):
                    if left or right:
                        x = jnp.pad(x, ((0, 0), (left, right), (0, 0)))
                    taps = [x[:, j * d: j * d + s * (lout - 1) + 1: s, :] for j in range(k)]
                    # one dot over the stacked taps (XLA's dot beats k broadcast
                    # multiply-adds on CPU, forward and backward, even for ch == 1: measured)
                    pt = taps[0] if k == 1 else jnp.concatenate(taps, axis=-1)  # (B,lout,k*ch)
                    return jnp.einsum("blk,kf->blf", pt, p[0].reshape(k * ch, nf),
                                      precision=hi)

            if (l.kind == "conv1d" and pool is not None and nxt.config["padding"] == "valid"
                    and nxt.config["strides"] == nxt.config["pool_size"]):
                # non-overlapping pooling: compute the conv at each pooling phase apart
                # (positions q*p + j) and fold them with the max: no (B, lout, F) tensor
                # to slice or to scatter the gradient back into
                ps = nxt.config["pool_size"]
                lpool = lout // ps

                def pre(p, x, k=k, s=s, d=d, left=left, right=right, ch=ch, nf=nf, ps=ps,
                        lpool=lpool):
                    if left or right:
                        x = jnp.pad(x, ((0, 0), (left, right), (0, 0)))
                    kern = p[0].reshape(k * ch, nf)
                    step = ps * s
                    m = None
                    for j in range(ps):
                        taps = [x[:, j * s + t * d: j * s + t * d + step * (lpool - 1) + 1: step, :]
                                for t in range(k)]
                        pt = taps[0] if k == 1 else jnp.concatenate(taps, axis=-1)
                        zj = jnp.einsum("blk,kf->blf", pt, kern, precision=hi)
                        m = zj if m is None else jnp.where(zj > m, zj, m)  # ties: the first
                    return m
                pool = None

            def f(p, x, train, key, pre=pre, pool=pool, act=act, use_bias=c["use_bias"]):
                z = pre(p, x)
                if pool is not None:
                    z = pool(z)
                if use_bias:
                    z = z + p[1]
                return z, act(z)
            steps.append(f)
            acts[i] = c["activation"]
        elif l.kind == "max_pooling1d":
            lout, left, right = _conv_geometry(shape[0], c["pool_size"], c["strides"], 1,
                                               c["padding"])
            pool = _pool_fn(jnp, c["pool_size"], c["strides"], lout, left, right)
            steps.append(lambda p, x, train, key, pool=pool: (None, pool(x)))
        elif l.kind == "flatten":
            steps.append(lambda p, x, train, key: (None, x.reshape(x.shape[0], -1)))
        elif l.kind == "dropout":
            rate = c["rate"]
            if rate == 0.0:  # Keras returns the inputs untouched
                steps.append(lambda p, x, train, key: (PASS, x))
            else:
                scale = np.float32(1.0 / (1.0 - rate))

                def f(p, x, train, key, rate=rate, scale=scale, i=i):
                    if not train:  # Keras returns the inputs untouched
                        return PASS, x
                    u = jax.random.uniform(jax.random.fold_in(key, i), x.shape, jnp.float32)
                    return None, jnp.where(u >= rate, x * scale, jnp.zeros_like(x))
                steps.append(f)
        elif l.kind == "activation":
            act = _activation(jax, jnp, c["activation"])
            if c["activation"] == "linear":  # keras.activations.linear returns its input
                steps.append(lambda p, x, train, key: (PASS, x))
            else:
                steps.append(lambda p, x, train, key, act=act: (x, act(x)))
            acts[i] = c["activation"]
        else:  # normalized specs cannot get here
            raise ValueError(l.kind)
        shape = shapes[i]

    from_logits = spec.from_logits

    def forward(params, x, train, key):
        """Keras's TF backend feeds the cross-entropy the *logits* of an output that comes
        straight from a sigmoid/softmax (`_keras_logits`): a layer that returns its input
        untouched (Dropout when not training or at rate 0, a linear Activation) keeps them,
        any other layer (Flatten, Dropout while training, ...) makes a new tensor without
        them, and the loss then works on clipped probabilities. Mirrored here per call."""
        logits = None
        for i, (f, p) in enumerate(zip(steps, params)):
            z, x = f(p, x, train, key)
            if z is PASS:
                continue
            logits = z if acts.get(i) in ("sigmoid", "softmax") else None
        if logits is None and from_logits:
            logits = x
        return logits, x

    return forward


def _param_structure(spec):
    """Per layer: the indices of its weights in the flat `get_weights()` list."""
    ws = spec.weight_specs()
    out = []
    for i in range(len(spec.layers)):
        out.append(tuple(j for j, w in enumerate(ws) if w["layer"] == i))
    return out


def _make_loss_metrics(spec):
    """row_loss(logits, out, y) -> (B,) and metric hit rates per row -> list of (B,)."""
    jax, jnp = _jax()
    eps = np.float32(1e-7)
    loss = spec.loss

    def mean_rows(a):  # mean over all non-batch axes
        return a.reshape(a.shape[0], -1).mean(axis=1) if a.ndim > 1 else a

    def row_loss(logits, out, y):
        if loss == "binary_crossentropy":
            if logits is not None:  # tf.nn.sigmoid_cross_entropy_with_logits
                z = logits
                l = jax.nn.relu(z) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z)))
            else:
                p = jnp.clip(out, eps, 1 - eps)
                l = -(y * jnp.log(p) + (1 - y) * jnp.log(1 - p))
            return mean_rows(l)  # mean over the last axis, then over the rest
        if loss == "categorical_crossentropy":
            if logits is not None:
                l = -jnp.sum(y * jax.nn.log_softmax(logits, axis=-1), axis=-1)
            else:
                p = out / jnp.sum(out, axis=-1, keepdims=True)
                p = jnp.clip(p, eps, 1 - eps)
                l = -jnp.sum(y * jnp.log(p), axis=-1)
            return mean_rows(l)
        # sparse categorical
        lg = logits if logits is not None else jnp.log(jnp.clip(out, eps, 1 - eps))
        lsm = jax.nn.log_softmax(lg, axis=-1)
        l = -jnp.take_along_axis(lsm, y[..., None].astype(jnp.int32), axis=-1)[..., 0]
        return mean_rows(l)

    kinds = [spec.metric_kind(m) for m in spec.metrics]

    def metrics(out, y):
        res = []
        for k in kinds:
            if k == "binary_accuracy":
                h = (jnp.where(out > 0.5, 1.0, 0.0) == y).astype(jnp.float32)
                res.append(mean_rows(h))
            elif k == "categorical_accuracy":
                h = (jnp.argmax(y, axis=-1) == jnp.argmax(out, axis=-1)).astype(jnp.float32)
                res.append(mean_rows(h))
            else:
                h = (y.astype(jnp.int32) == jnp.argmax(out, axis=-1)).astype(jnp.float32)
                res.append(mean_rows(h))
        return res

    return row_loss, metrics


def optimizer_hyper(spec) -> dict:
    """The optimizer's numeric hyper-parameters as float32 scalars, as Keras casts them
    (`1 - beta` is formed in float64 first, as Python does before TF casts it). They are
    arguments of the compiled program, not constants: a learning-rate sweep reuses it."""
    c, f32 = spec.optimizer.config, np.float32
    if spec.optimizer.name == "adam":
        return {"lr": f32(c["learning_rate"]), "b1": f32(c["beta_1"]), "b2": f32(c["beta_2"]),
                "c1": f32(1 - c["beta_1"]), "c2": f32(1 - c["beta_2"]),
                "eps": f32(c["epsilon"])}
    if spec.optimizer.name == "sgd":
        return {"lr": f32(c["learning_rate"]), "mom": f32(c["momentum"])}
    return {"lr": f32(c["learning_rate"]), "rho": f32(c["rho"]), "c1": f32(1 - c["rho"]),
            "eps": f32(c["epsilon"]), "mom": f32(c["momentum"])}


def _optimizer_structure(spec) -> dict:
    """What changes the program's structure (the rest is `optimizer_hyper`)."""
    c = spec.optimizer.config
    if spec.optimizer.name == "adam":
        return {"amsgrad": c["amsgrad"]}
    if spec.optimizer.name == "sgd":
        return {"momentum": c["momentum"] != 0, "nesterov": c["nesterov"]}
    return {"momentum": c["momentum"] > 0, "centered": c["centered"]}


def _make_optimizer(spec):
    """(init(params) -> state, update(params, state, grads, t, h) -> params, state): Keras 3's
    update_step per variable, same operation order; `h` = `optimizer_hyper(spec)`."""
    jax, jnp = _jax()
    name = spec.optimizer.name
    st = _optimizer_structure(spec)
    tm = jax.tree_util.tree_map

    if name == "adam":
        ams = st["amsgrad"]

        def init(params):
            z = tm(jnp.zeros_like, params)
            return (z, z, z) if ams else (z, z)

        def update(params, state, g, t, h):
            lr, eps = h["lr"], h["eps"]
            bp1, bp2 = jnp.power(h["b1"], t), jnp.power(h["b2"], t)
            alpha = lr * jnp.sqrt(1 - bp2) / (1 - bp1)
            m = tm(lambda m, g: m + (g - m) * h["c1"], state[0], g)
            v = tm(lambda v, g: v + (g * g - v) * h["c2"], state[1], g)
            if ams:
                vh = tm(jnp.maximum, state[2], v)
                new = tm(lambda w, m, v: w - (m * alpha) / (jnp.sqrt(v) + eps), params, m, vh)
                return new, (m, v, vh)
            new = tm(lambda w, m, v: w - (m * alpha) / (jnp.sqrt(v) + eps), params, m, v)
            return new, (m, v)
        return init, update

    if name == "sgd":
        if not st["momentum"]:
            return (lambda params: ()), (lambda params, state, g, t, h:
                                         (tm(lambda w, g: w - g * h["lr"], params, g), ()))
        nesterov = st["nesterov"]

        def init(params):
            return (tm(jnp.zeros_like, params),)

        def update(params, state, g, t, h):
            lr, mom = h["lr"], h["mom"]
            m = tm(lambda m, g: m * mom - g * lr, state[0], g)
            if nesterov:
                new = tm(lambda w, m, g: w + (m * mom - g * lr), params, m, g)
            else:
                new = tm(lambda w, m: w + m, params, m)
            return new, (m,)
        return init, update

    # rmsprop
    use_mom, centered = st["momentum"], st["centered"]

    def init(params):
        z = tm(jnp.zeros_like, params)
        return (z,) + ((z,) if use_mom else ()) + ((z,) if centered else ())

    def update(params, state, g, t, h):
        lr, rho, c1, eps, mom = h["lr"], h["rho"], h["c1"], h["eps"], h["mom"]
        v = tm(lambda v, g: rho * v + c1 * (g * g), state[0], g)
        rest = list(state[1:])
        mo = rest.pop(0) if use_mom else None
        ag = rest.pop(0) if centered else None
        if centered:
            ag = tm(lambda a, g: rho * a + c1 * g, ag, g)
            den = tm(lambda v, a: v - a * a + eps, v, ag)
        else:
            den = tm(lambda v: v + eps, v)
        inc = tm(lambda g, d: (lr * g) / jnp.sqrt(d), g, den)
        if use_mom:
            mo = tm(lambda m, i: mom * m + i, mo, inc)
            new = tm(lambda w, m: w - m, params, mo)
        else:
            new = tm(lambda w, i: w - i, params, inc)
        out = (v,) + ((mo,) if use_mom else ()) + ((ag,) if centered else ())
        return new, out
    return init, update


def _draw_device(jax, jnp, key, init: dict, shape, fans):
    """One initializer draw from `jax.random` (Keras's formulas, JAX's bits)."""
    from python_impl.batched import _variance_scaling

    name = init["name"]
    if name == "zeros":
        return jnp.zeros(shape, jnp.float32)
    if name == "ones":
        return jnp.ones(shape, jnp.float32)
    if name == "constant":
        return jnp.full(shape, init["value"], jnp.float32)
    if name == "random_uniform":
        return jax.random.uniform(key, shape, jnp.float32, init["minval"], init["maxval"])
    if name == "random_normal":
        return jax.random.normal(key, shape, jnp.float32) * init["stddev"] + init["mean"]
    if name == "truncated_normal":
        return (jax.random.truncated_normal(key, -2.0, 2.0, shape, jnp.float32) * init["stddev"]
                + init["mean"])
    scale, fan = _variance_scaling(name, *fans)
    if name.endswith("_uniform"):
        lim = float(np.sqrt(3.0 * scale / fan))
        return jax.random.uniform(key, shape, jnp.float32, -lim, lim)
    sd = float(np.sqrt(scale / fan) / 0.87962566103423978)
    return jax.random.truncated_normal(key, -2.0, 2.0, shape, jnp.float32) * sd


# --------------------------------------------------------------------------- the program


def _make_program(spec, n_train: int, n_val: int, n_test: int, has_test_labels: bool,
                  init_mode: str, order_mode: str, return_weights: bool):
    """The vmapped (not yet jitted) training of a chunk of seeds:
    fn(host, seeds_lo, seeds_hi, data, hyper) -> dict of outputs with a leading seed axis
    (hyper: `optimizer_hyper(spec)`).
    host: {"weights": [(S, ...)...]} when init_mode == "host", {"orders": (S, epochs, n)} when
    order_mode == "host"; data: {"xtr", "ytr", ["xva", "yva"], ["xte", ["yte"]]}."""
    jax, jnp = _jax()
    lax = jax.lax
    forward = _make_forward(spec)
    row_loss, metrics = _make_loss_metrics(spec)
    opt_init, opt_update = _make_optimizer(spec)
    groups = _param_structure(spec)
    wspecs = spec.weight_specs()
    epochs, bs = spec.epochs, spec.batch_size
    nb = -(-n_train // bs)
    n_pad = nb * bs
    sizes = np.full(nb, bs, np.float32)
    sizes[-1] = n_train - bs * (nb - 1)
    mask = (np.arange(bs)[None, :] < sizes[:, None]).astype(np.float32)  # (nb, B)
    n_metrics = len(spec.metrics)
    has_val = n_val > 0
    n_hist = (1 + n_metrics) * (2 if has_val else 1)
    f32 = np.float32

    def group(flat):
        return tuple(tuple(flat[j] for j in g) for g in groups)

    def flat_of(params):
        return [w for g in params for w in g]

    def seed_key(lo, hi):
        k = jax.random.PRNGKey(_BASE_KEY)
        return jax.random.fold_in(jax.random.fold_in(k, lo), hi)

    def order_for(key, e):
        kk = jax.random.fold_in(key, _ORDER_STREAM)
        ee = 0 if order_mode == "device_fixed" else e
        return jax.random.permutation(jax.random.fold_in(kk, ee), n_train).astype(jnp.int32)

    def evaluate(params, x, y):
        logits, out = forward(params, x, False, None)
        vals = [jnp.mean(row_loss(logits, out, y))] + [jnp.mean(h) for h in metrics(out, y)]
        return jnp.stack(vals), out

    def train_one(host, lo, hi, data, hyper):
        key = seed_key(lo, hi)
        if init_mode == "host":
            flat = list(host["weights"])
        else:
            ki = jax.random.fold_in(key, _INIT_STREAM)
            flat = [_draw_device(jax, jnp, jax.random.fold_in(ki, j), w["init"],
                                 tuple(w["shape"]), w["fans"]) for j, w in enumerate(wspecs)]
        params = group(flat)
        state = opt_init(params)
        xtr, ytr = data["xtr"], data["ytr"]
        mask_c, sizes_c = jnp.asarray(mask), jnp.asarray(sizes)
        kd = jax.random.fold_in(key, _DROPOUT_STREAM)

        def epoch_body(e, carry):
            params, state, t, hist = carry
            if order_mode == "host":
                order = host["orders"][e]
            elif order_mode == "none":
                order = jnp.arange(n_train, dtype=jnp.int32)
            else:
                order = order_for(key, e)
            if n_pad > n_train:
                order = jnp.concatenate([order, jnp.zeros(n_pad - n_train, jnp.int32)])

            def batch_body(b, c):
                params, state, t, sums = c
                rows = lax.dynamic_slice_in_dim(order, b * bs, bs)
                xb = jnp.take(xtr, rows, axis=0, mode="clip")  # rows are in range
                yb = jnp.take(ytr, rows, axis=0, mode="clip")
                mb = mask_c[b]
                rw = mb / sizes_c[b]
                t = t + 1.0
                k_step = jax.random.fold_in(kd, t.astype(jnp.int32))

                def loss_fn(p):
                    logits, out = forward(p, xb, True, k_step)
                    return jnp.sum(row_loss(logits, out, yb) * rw), out

                (bl, out), g = jax.value_and_grad(loss_fn, has_aux=True)(params)
                hits = [jnp.sum(h * mb) for h in metrics(out, yb)]
                sums = sums + jnp.stack([bl * sizes_c[b]] + hits)
                params, state = opt_update(params, state, g, t, hyper)
                return params, state, t, sums

            params, state, t, sums = lax.fori_loop(
                0, nb, batch_body, (params, state, t, jnp.zeros(1 + n_metrics, jnp.float32)))
            row = sums / f32(n_train)
            if has_val:
                vv, _ = evaluate(params, data["xva"], data["yva"])
                row = jnp.concatenate([row, vv])
            hist = lax.dynamic_update_slice_in_dim(hist, row[None, :], e, axis=0)
            return params, state, t, hist

        hist0 = jnp.zeros((epochs, n_hist), jnp.float32)
        params, state, t, hist = lax.fori_loop(
            0, epochs, epoch_body, (params, state, jnp.float32(0.0), hist0))
        out = {"history": hist}
        if n_test:
            if has_test_labels:
                tv, pred = evaluate(params, data["xte"], data["yte"])
                out["test"] = tv
            else:
                _, pred = forward(params, data["xte"], False, None)
            out["predictions"] = pred
        if return_weights:
            out["weights"] = flat_of(params)
        return out

    return jax.vmap(train_one, in_axes=(0, 0, 0, None, None))


_COMPILED: dict = {}
_COMPILE_LOCK = threading.Lock()


def compiled_program(spec, n_train: int, n_val: int = 0, n_test: int = 0,
                     has_test_labels: bool = True, init_mode: str = "host",
                     order_mode: str = "host", return_weights: bool = False):
    """The jitted program (cached by the spec's structure and the sizes):
    `fn(host, seeds_lo, seeds_hi, data, optimizer_hyper(spec))`. The GPU benchmark calls it
    directly to time device compute alone."""
    jax, _ = _jax()
    d = spec.to_dict()
    for l in d["layers"]:
        l.pop("name", None)
    d["optimizer"] = {"name": spec.optimizer.name, "structure": _optimizer_structure(spec)}
    skey = json.dumps(d, sort_keys=True)
    key = (skey, n_train, n_val, n_test, has_test_labels, init_mode, order_mode,
           return_weights)
    with _COMPILE_LOCK:
        if key not in _COMPILED:
            _COMPILED[key] = jax.jit(_make_program(spec, n_train, n_val, n_test,
                                                   has_test_labels, init_mode, order_mode,
                                                   return_weights))
        return _COMPILED[key]


def seed_halves(seeds) -> tuple[np.ndarray, np.ndarray]:
    """int64 seeds -> (low 32 bits, high 32 bits) as uint32: the program's per-seed keys."""
    s = np.asarray(seeds, np.int64).astype(np.uint64)
    return (s & np.uint64(0xFFFFFFFF)).astype(np.uint32), (s >> np.uint64(32)).astype(np.uint32)


# --------------------------------------------------------------------------- running


def device_kind(devices=None) -> str:
    jax, _ = _jax()
    d = (devices or jax.devices())[0]
    return d.platform


def _threads_hint() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run(spec, data, seeds, init_src, order_src, *, chunk="auto", threads=None, devices=None,
        return_weights=False, pipeline_depth: int = 2, executor: str = "auto"
        ) -> tuple[dict, dict]:
    """Train every seed, chunk by chunk, into preallocated NumPy outputs.

    executor: "threads" (chunks on Python threads, each waiting for its own results: the CPU
    default), "pipelined" (one thread dispatches chunk k+1 before fetching chunk k: the
    accelerator default) or "auto".

    init_src: "device" or a function (seeds, lo, hi) -> list of (k, ...) weights;
    order_src: "none", "device_per_epoch", "device_fixed" or a function -> (k, epochs, n)."""
    jax, jnp = _jax()
    devices = list(devices) if devices is not None else jax.devices()
    platform = devices[0].platform
    n_dev = len(devices)
    s_total = len(seeds)
    init_mode = "device" if isinstance(init_src, str) else "host"
    order_mode = order_src if isinstance(order_src, str) else "host"
    n_val = 0 if data.x_val is None else len(data.x_val)
    n_test = 0 if data.x_test is None else len(data.x_test)
    fn = compiled_program(spec, len(data.x_train), n_val, n_test, data.y_test is not None,
                          init_mode, order_mode, return_weights)

    if executor not in ("auto", "threads", "pipelined"):
        raise ValueError(f"executor {executor!r}: expected 'auto', 'threads' or 'pipelined'")
    on_cpu = executor == "threads" or (executor == "auto" and platform == "cpu")
    if on_cpu:
        threads = threads or _threads_hint()
        if chunk == "auto":
            chunk = min(CPU_CHUNK, max(1, -(-s_total // threads)))
    else:
        threads = 1
        if chunk == "auto":
            chunk = min(DEVICE_CHUNK * n_dev, s_total)
    chunk = min(int(chunk or s_total), s_total)
    chunk = -(-chunk // n_dev) * n_dev  # divisible by the number of devices
    starts = list(range(0, s_total, chunk))

    if n_dev > 1:
        from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

        mesh = Mesh(np.asarray(devices), ("seeds",))
        shard, repl = NamedSharding(mesh, P("seeds")), NamedSharding(mesh, P())
    else:
        shard = repl = devices[0]

    dd = {"xtr": data.x_train, "ytr": data.y_train}
    if n_val:
        dd.update(xva=data.x_val, yva=data.y_val)
    if n_test:
        dd["xte"] = data.x_test
        if data.y_test is not None:
            dd["yte"] = data.y_test
    data_dev = {k: jax.device_put(v, repl) for k, v in dd.items()}
    hyper_dev = {k: jax.device_put(v, repl) for k, v in optimizer_hyper(spec).items()}

    def host_inputs(i0):
        sl = seeds[i0:i0 + chunk]
        k = len(sl)
        hi = i0 + k
        host = {}
        if init_mode == "host":
            host["weights"] = [np.ascontiguousarray(a, np.float32) for a in init_src(sl, i0, hi)]
        if order_mode == "host":
            host["orders"] = np.ascontiguousarray(order_src(sl, i0, hi), np.int32)
        lo32, hi32 = seed_halves(sl)
        if k < chunk:  # pad with copies of the first seed: one compilation for every chunk
            pad = chunk - k
            host = jax.tree_util.tree_map(
                lambda a: np.concatenate([a, np.repeat(a[:1], pad, 0)]), host)
            lo32 = np.concatenate([lo32, np.repeat(lo32[:1], pad)])
            hi32 = np.concatenate([hi32, np.repeat(hi32[:1], pad)])
        return k, host, lo32, hi32

    outputs: dict = {}
    lock = threading.Lock()

    def store(i0, k, res):
        with lock:
            if not outputs:
                for name, v in res.items():
                    if name == "weights":
                        outputs[name] = [np.empty((s_total,) + a.shape[1:], a.dtype) for a in v]
                    else:
                        outputs[name] = np.empty((s_total,) + v.shape[1:], v.dtype)
        for name, v in res.items():
            if name == "weights":
                for dst, a in zip(outputs[name], v):
                    dst[i0:i0 + k] = a[:k]
            else:
                outputs[name][i0:i0 + k] = v[:k]

    def dispatch(i0):
        k, host, lo32, hi32 = host_inputs(i0)
        host_d = jax.device_put(host, shard)
        res = fn(host_d, jax.device_put(lo32, shard), jax.device_put(hi32, shard), data_dev,
                 hyper_dev)
        return k, res

    if on_cpu:
        def one(i0):
            k, res = dispatch(i0)
            store(i0, k, jax.tree_util.tree_map(np.asarray, res))

        if threads > 1 and len(starts) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(min(threads, len(starts))) as ex:
                list(ex.map(one, starts))
        else:
            for i0 in starts:
                one(i0)
    else:
        # pipelined: the host prepares and sends chunk k+1 while the device computes chunk k;
        # results are copied back asynchronously and collected `pipeline_depth` chunks later.
        from concurrent.futures import ThreadPoolExecutor

        inflight: deque = deque()
        with ThreadPoolExecutor(1) as prep:
            nxt = prep.submit(host_inputs, starts[0]) if starts else None
            for idx, i0 in enumerate(starts):
                k, host, lo32, hi32 = nxt.result()
                if idx + 1 < len(starts):
                    nxt = prep.submit(host_inputs, starts[idx + 1])
                res = fn(jax.device_put(host, shard), jax.device_put(lo32, shard),
                         jax.device_put(hi32, shard), data_dev, hyper_dev)
                for leaf in jax.tree_util.tree_leaves(res):
                    if hasattr(leaf, "copy_to_host_async"):
                        leaf.copy_to_host_async()
                inflight.append((i0, k, res))
                while len(inflight) > max(0, pipeline_depth - 1):
                    j0, kk, r = inflight.popleft()
                    store(j0, kk, jax.tree_util.tree_map(np.asarray, r))
            while inflight:
                j0, kk, r = inflight.popleft()
                store(j0, kk, jax.tree_util.tree_map(np.asarray, r))

    info = {"platform": platform, "devices": n_dev, "chunk": chunk, "chunks": len(starts),
            "threads": threads, "executor": "threads" if on_cpu else "pipelined",
            "init_mode": init_mode, "order_mode": order_mode}
    return outputs, info
