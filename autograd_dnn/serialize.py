"""Save and load models as .npz files, atomically, with every field checked on load.

A model file holds its parameters (``W1``, ``b1``, ...), the optimizer's state if kept
(``opt.<buffer>.<name>``) and a JSON ``meta`` entry: the format and its version, the
model's ``kind`` and what that kind needs to rebuild it. Each kind is one :class:`Kind`
in :data:`KINDS`: how to describe a model (metadata and arrays) and how to rebuild it
from them, with its checks. A file without ``kind`` (written before there were several)
is a ``DeepNetwork``.

=================  ===========================================================
kind               metadata
=================  ===========================================================
``DeepNetwork``    layer_dims, activations, init, l2, leaky_slope, keep_prob (one per
                   hidden layer), rng (the dropout masks' ``bit_generator.state``) and,
                   with batch norm, batch_norm ``{"1": {"eps", "momentum", "t",
                   "decay"}, ...}`` beside the arrays ``gamma1``, ``beta1`` (instead of
                   ``b1``), ``running.mu1`` and ``running.sigma2_1`` (n[1], 1)
``ConvNetwork``    layers ([{"type": "Conv", "f": 4, ...}, ...]), input_shape, l2
``RNNModel``       cell ("rnn" or "lstm"), n_x, n_a, n_y, l2, init, seed, dtype, beside
                   the course's arrays (``Wax``, ``Waa``, ``Wya``, ``ba``, ``by``; or
                   ``Wf``, ``bf``, ..., ``Wo``, ``bo``, ``Wy``, ``by``)
=================  ===========================================================

A DeepNetwork file written before dropout and batch norm were kept (no keep_prob, rng or
batch_norm) loads as the plain network it describes. To add state to a kind, add its
arrays in the kind's ``describe`` and read them back in its ``build``: the rest (format,
atomic write, training state) is shared.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

FORMAT = "autograd-dnn-model"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Kind:
    """One kind of model a file can hold.

    Attributes:
        name: the class name written as ``meta["kind"]``.
        describe: ``model -> (metadata, arrays)``: what to write besides format, version,
            kind and the training state (``arrays`` holds W1, b1, ... and any other state).
        build: ``(path, meta, arrays) -> model``: rebuild the model, checking everything,
            raising ValueError that names the file and the entry at fault.
    """

    name: str
    describe: Callable[[Any], tuple[dict[str, Any], dict[str, np.ndarray]]]
    build: Callable[[str, dict[str, Any], dict[str, np.ndarray]], Any]


def save(
    net: Any,
    path: str | os.PathLike,
    training: Mapping[str, Any] | None = None,
    training_state: bool = True,
) -> str:
    """Write ``net`` (a DeepNetwork, a ConvNetwork or an RNNModel) to ``path``: format
    version, its kind, what rebuilds it (DeepNetwork: layer_dims, activations, init, dropout
    and batch norm; ConvNetwork: its layers and input_shape; RNNModel: cell, n_x, n_a, n_y,
    l2, dtype) and every parameter.

    The file is written to a temporary file in the same folder and renamed over ``path``,
    so a crash never leaves a half-written model. Returns the path.

    ``training``: facts about how the parameters came to be, kept in the metadata under
    ``"training"`` (JSON values), e.g. ``{"interrupted": True, "iteration": 41}`` for a
    run stopped by Ctrl-C; :func:`read_metadata` gives them back.

    ``training_state`` (default True): also keep what the last ``fit`` left in
    ``net.training_state`` (the optimizer's buffers as ``opt.<buffer>.<name>`` arrays, e.g.
    Adam's ``opt.v.W1`` and ``opt.s.W1``, its step count and learning-rate schedule, the
    iterations done, the mini-batch RNG and the dropout masks' RNG), so that after
    :func:`load`, ``fit(..., resume=True)`` continues exactly, bit for bit.

    A DeepNetwork keeps its dropout (keep_prob per hidden layer and the state of the RNG the
    masks are drawn from) and batch norm (gamma[l], beta[l], each layer's eps and momentum
    and the running averages of mu[l] and sigma2[l] that test time uses).
    """
    path = os.fspath(path)
    kind = kind_of(net)
    described, model_arrays = kind.describe(net)
    meta: dict[str, Any] = {"format": FORMAT, "version": FORMAT_VERSION, "kind": kind.name}
    meta.update(described)
    if training is not None:
        meta["training"] = dict(training)
    state_arrays: dict[str, np.ndarray] = {}
    if training_state and getattr(net, "training_state", None):
        meta["training_state"], state_arrays = _split_state(net.training_state)
    arrays = {"meta": np.array(json.dumps(meta, default=_json_value))}
    arrays.update(model_arrays)
    arrays.update(state_arrays)
    _write_atomic(path, arrays)
    return path


def _json_value(value: Any) -> Any:
    """What json cannot write itself: numpy arrays (an MT19937 state's key) and scalars."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write a {type(value).__name__} in a model file's metadata")


def _write_atomic(path: str, arrays: dict[str, np.ndarray]) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            # numpy's stub also lists allow_pickle among the keywords, so mypy cannot match a
            # dict of arrays to **kwds; the keys here are parameter names, never allow_pickle
            np.savez(f, **arrays)  # type: ignore[arg-type]
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp made it 0600; a model is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path: str | os.PathLike) -> Any:
    """Read a model written by :func:`save`: a DeepNetwork, a ConvNetwork or an RNNModel, as
    its metadata's ``kind`` says.

    Raises ValueError saying what is wrong (not a model file, another format version, an
    unknown kind, a missing ``W3``, ``b2`` of shape (4,) instead of (4, 1), a wrong dtype)
    rather than building a broken network; FileNotFoundError when there is no such file.
    """
    path = os.fspath(path)
    arrays = _read_arrays(path)
    meta = _check_meta(path, arrays.pop("meta", None))
    state = {k: arrays.pop(k) for k in [k for k in arrays if k.startswith("opt.")]}
    net = KINDS[meta.get("kind", "DeepNetwork")].build(path, meta, arrays)
    if "training_state" in meta:
        net.training_state = _join_state(path, meta["training_state"], state, net)
    return net


def kind_of(net: Any) -> Kind:
    """The :class:`Kind` of a model object (by its class or a base class's name)."""
    for cls in type(net).__mro__:
        if cls.__name__ in KINDS:
            return KINDS[cls.__name__]
    raise TypeError(
        f"cannot save a {type(net).__name__}: a model file holds one of {', '.join(KINDS)}"
    )


# ----------------------------------------------------------------------------- DeepNetwork
RUNNING = "running."
"""Prefix of the batch-norm running averages in a file: ``running.mu1`` (n[1], 1),
``running.sigma2_1`` (n[1], 1), ...; their update counts and beta^t are in ``meta``."""


def _describe_deep(net: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    meta: dict[str, Any] = {
        "layer_dims": net.layer_dims,
        "activations": net.activations,
        "init": net.init,
        "l2": net.l2,
        "leaky_slope": net.leaky_slope,
        "keep_prob": [float(p) for p in net.keep_prob],
        "rng": net.rng.bit_generator.state,
    }
    arrays = net.get_parameters()
    stats = net.running_statistics()
    batch_norm = {}
    for layer in net.layers:
        if layer.gamma is None:
            continue
        l = layer.l
        batch_norm[str(l)] = {
            "eps": float(layer.eps),
            "momentum": float(layer.momentum),
            "t": int(stats[f"t{l}"]),
            "decay": float(stats[f"decay{l}"]),
        }
        arrays[f"{RUNNING}mu{l}"] = stats[f"mu{l}"]
        arrays[f"{RUNNING}sigma2_{l}"] = stats[f"sigma2_{l}"]
    if batch_norm:
        meta["batch_norm"] = batch_norm
    return meta, arrays


def _build_deep(path: str, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
    from autograd_dnn.nn import DeepNetwork

    dims = meta.get("layer_dims")
    acts = meta.get("activations")
    if not isinstance(dims, list) or not isinstance(acts, list) or len(acts) != len(dims) - 1:
        raise ValueError(f"{path}: layer_dims and activations in 'meta' do not fit together")
    running = {k: arrays.pop(k) for k in [k for k in arrays if k.startswith(RUNNING)]}
    _check_arrays(path, arrays, dims)
    try:  # DeepNetwork checks b[l] or gamma[l], beta[l], keep_prob, the activations, ...
        net = DeepNetwork.from_parameters(
            arrays,
            activations=acts,
            l2=meta.get("l2", 0.0),
            leaky_slope=meta.get("leaky_slope", 0.01),
            keep_prob=meta.get("keep_prob", 1.0),  # files before dropout: none
        )
    except (ValueError, TypeError) as e:
        raise ValueError(f"{path}: {e}") from None
    net.init = meta.get("init", "given")
    _restore_batch_norm(path, net, meta.get("batch_norm", {}), running)
    if "rng" in meta:  # files before dropout: the default rng of seed 0
        net.rng = generator_from_state(meta["rng"], f"{path}: 'rng' in 'meta'")
    return net


def _restore_batch_norm(path: str, net: Any, saved: Any, running: dict[str, np.ndarray]) -> None:
    """Each batch-norm layer's eps, momentum and running averages, from ``meta["batch_norm"]``
    and the ``running.*`` arrays; every entry checked and named when wrong."""
    if not isinstance(saved, dict):
        raise ValueError(f"{path}: 'batch_norm' in 'meta' must be an object, got {saved!r}")
    bn_layers = [layer for layer in net.layers if layer.gamma is not None]
    stray = sorted(set(saved) - {str(layer.l) for layer in bn_layers})
    if stray:
        raise ValueError(
            f"{path}: 'batch_norm' in 'meta' describes layer(s) {stray}, which have no "
            "gamma[l], beta[l] (the file is damaged)"
        )
    expected: list[str] = []
    stats: dict[str, Any] = {}
    for layer in bn_layers:
        l = layer.l
        entry = saved.get(str(l))
        if entry is None:
            raise ValueError(
                f"{path}: layer {l} has gamma{l}, beta{l} but 'batch_norm' in 'meta' has no "
                f"entry {l} (eps, momentum and the running statistics mu[{l}], sigma2[{l}] "
                "that test time needs); the file is damaged or was written before save kept "
                "batch norm's state: retrain and save again"
            )
        layer.eps, layer.momentum, stats[f"t{l}"], stats[f"decay{l}"] = _bn_numbers(
            f"{path}: 'batch_norm' layer {l} in 'meta'", entry
        )
        for name in (f"mu{l}", f"sigma2_{l}"):
            key = RUNNING + name
            expected.append(key)
            if key not in running:
                raise ValueError(
                    f"{path}: missing {key}, the running average of batch norm in layer {l}"
                )
            value, want = running[key], (net.layer_dims[l], 1)
            if value.shape != want:
                raise ValueError(
                    f"{path}: {key} has shape {value.shape}, expected (n[{l}], 1) = {want}"
                )
            stats[name] = value
    extra = sorted(set(running) - set(expected))
    if extra:
        raise ValueError(f"{path}: unexpected entries {extra}")
    _check_floats(path, {k: running[k] for k in expected})
    negative = [k for k in expected if "sigma2" in k and np.any(running[k] < 0)]
    if negative:
        raise ValueError(f"{path}: {negative[0]} holds a negative variance")
    net.set_running_statistics(stats)


def _bn_numbers(where: str, entry: Any) -> tuple[float, float, int, float]:
    """(eps, momentum, t, decay) of one layer's ``batch_norm`` entry, each checked."""
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be an object with eps, momentum, t, decay; got {entry!r}")
    missing = [k for k in ("eps", "momentum", "t", "decay") if k not in entry]
    if missing:
        raise ValueError(f"{where} is missing {missing}")
    eps, momentum, t, decay = (entry[k] for k in ("eps", "momentum", "t", "decay"))
    numbers = {"eps": eps, "momentum": momentum, "decay": decay}
    for key, v in numbers.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
            raise ValueError(f"{where}: {key} must be a finite number, got {v!r}")
    if eps <= 0:
        raise ValueError(f"{where}: eps must be > 0, got {eps}")
    for key in ("momentum", "decay"):
        if not 0 <= numbers[key] <= 1:
            raise ValueError(f"{where}: {key} must be in [0, 1], got {numbers[key]}")
    if isinstance(t, bool) or not isinstance(t, int) or t < 0:
        raise ValueError(
            f"{where}: t (updates of the running averages) must be a whole number >= 0, got {t!r}"
        )
    return float(eps), float(momentum), t, float(decay)


BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
"""The numpy bit generators whose state a model file can hold."""


def generator_from_state(state: Any, where: str = "the state") -> np.random.Generator:
    """A ``np.random.Generator`` in the state ``state`` (a ``bit_generator.state`` dict, as
    JSON gives it back), or ValueError naming ``where`` when it is not such a state."""
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in BIT_GENERATORS:
        raise ValueError(
            f"{where} is not the state of a numpy random generator (bit_generator "
            f"{name!r}; known: {', '.join(BIT_GENERATORS)})"
        )
    bit_generator = getattr(np.random, name)()
    try:
        bit_generator.state = state
    except (KeyError, TypeError, ValueError, OverflowError) as e:
        raise ValueError(f"{where} is not a valid {name} state ({type(e).__name__}: {e})") from None
    return np.random.Generator(bit_generator)


# ----------------------------------------------------------------------------- ConvNetwork
def _describe_conv(net: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    return {**net.config(), "seed": net.seed}, net.get_parameters()


def _build_conv(path: str, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
    from autograd_dnn.convnet import ConvNetwork

    _check_floats(path, arrays)
    dtypes = {a.dtype for a in arrays.values()}
    if len(dtypes) > 1:
        raise ValueError(f"{path}: the parameters mix dtypes {sorted(map(str, dtypes))}")
    try:
        net = ConvNetwork.from_config(meta, arrays, dtype=dtypes.pop() if dtypes else None)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{path}: {e}") from None
    net.seed = meta.get("seed")
    return net


# ----------------------------------------------------------------------------- RNNModel
def _describe_rnn(model: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    meta = {
        "cell": model.cell,
        "n_x": int(model.n_x),
        "n_a": int(model.n_a),
        "n_y": int(model.n_y),
        "l2": float(model.l2),
        "init": model.init,
        "seed": model.seed,
        "dtype": str(model.dtype),
    }
    return meta, model.get_parameters()


def _build_rnn(path: str, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
    """An RNNModel whose cell, sizes, dtype and keys all agree with ``meta``; every entry
    named when they do not."""
    from autograd_dnn.recurrent import CELLS, LSTM_KEYS, RNN_KEYS, RNNModel

    cell = meta.get("cell")
    if cell not in CELLS:
        raise ValueError(f"{path}: 'cell' in 'meta' is {cell!r}, expected one of {CELLS}")
    sizes = {}
    for name in ("n_x", "n_a", "n_y"):
        n = meta.get(name)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"{path}: {name!r} in 'meta' must be a whole number >= 1, got {n!r}")
        sizes[name] = n
    l2 = meta.get("l2", 0.0)
    if isinstance(l2, bool) or not isinstance(l2, (int, float)) or not np.isfinite(l2) or l2 < 0:
        raise ValueError(f"{path}: 'l2' in 'meta' must be a number >= 0, got {l2!r}")
    dtype = meta.get("dtype", "float64")
    if dtype not in ("float64", "float32"):
        raise ValueError(f"{path}: 'dtype' in 'meta' is {dtype!r}, expected float64 or float32")
    keys = RNN_KEYS if cell == "rnn" else LSTM_KEYS
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise ValueError(
            f"{path}: missing {', '.join(missing)} (a {cell} model holds {', '.join(keys)})"
        )
    extra = sorted(set(arrays) - set(keys))
    if extra:
        raise ValueError(f"{path}: unexpected entries {extra} (a {cell} model holds {keys})")
    _check_floats(path, arrays)
    for key, a in arrays.items():
        if a.dtype != np.dtype(dtype):
            raise ValueError(f"{path}: {key} has dtype {a.dtype}, but 'meta' says {dtype}")
    try:  # from_parameters checks that the shapes fit together (one definition of them)
        model = RNNModel.from_parameters(arrays, l2=float(l2))
    except (ValueError, TypeError) as e:
        raise ValueError(f"{path}: {e}") from None
    got = {"n_x": model.n_x, "n_a": model.n_a, "n_y": model.n_y}
    for name, n in sizes.items():
        if got[name] != n:
            key = {"n_x": "Wax" if cell == "rnn" else "Wf", "n_a": keys[0]}.get(name, "by")
            raise ValueError(
                f"{path}: the arrays give {name} = {got[name]} (from {key} "
                f"{arrays[key].shape}), but {name!r} in 'meta' says {n}"
            )
    if dtype == "float32":
        model = model.astype(np.float32)
    seed = meta.get("seed")
    model.seed = seed if isinstance(seed, int) and not isinstance(seed, bool) else None
    init = meta.get("init", "given")
    model.init = init if isinstance(init, str) else "given"
    return model


KINDS: dict[str, Kind] = {
    "DeepNetwork": Kind("DeepNetwork", _describe_deep, _build_deep),
    "ConvNetwork": Kind("ConvNetwork", _describe_conv, _build_conv),
    "RNNModel": Kind("RNNModel", _describe_rnn, _build_rnn),
}
"""Every kind of model a file can hold, by ``meta["kind"]``."""


def _split_state(state: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``net.training_state`` as (JSON facts, arrays named ``opt.<buffer>.<parameter>``)."""
    opt = dict(state["optimizer_state"])
    buffers = opt.pop("buffers")
    arrays = {f"opt.{b}.{n}": a for b, named in buffers.items() for n, a in named.items()}
    facts = {k: v for k, v in state.items() if k != "optimizer_state"}
    facts["optimizer_state"] = {**opt, "buffers": sorted(buffers)}
    return facts, arrays


def _join_state(
    path: str, facts: Mapping[str, Any], arrays: dict[str, np.ndarray], net: Any
) -> dict[str, Any]:
    """The inverse of :func:`_split_state`, checking every buffer against the parameters
    (present, same shape, finite floats) and the RNG states (``rng`` of the mini-batches,
    ``model_rng`` of the dropout masks)."""
    try:
        opt = dict(facts["optimizer_state"])
        params = net.parameters()
        buffers: dict[str, dict[str, np.ndarray]] = {}
        for b in opt["buffers"]:
            buffers[b] = {}
            for n, p in params.items():
                key = f"opt.{b}.{n}"
                if key not in arrays:
                    raise ValueError(f"missing {key}, the optimizer's {b} of {n}")
                if arrays[key].shape != p.shape:
                    raise ValueError(f"{key} has shape {arrays[key].shape}, {n} {p.shape}")
                buffers[b][n] = arrays[key]
        extra = sorted(set(arrays) - {f"opt.{b}.{n}" for b in buffers for n in params})
        if extra:
            raise ValueError(f"unexpected entries {extra}")
        _check_floats(path, arrays)
        opt["buffers"] = buffers
        for key in ("rng", "model_rng"):  # fit's mini-batch RNG, the dropout masks' RNG
            if key in facts:
                generator_from_state(facts[key], f"its {key!r}")
        return {**facts, "optimizer_state": opt}
    except (KeyError, TypeError, AttributeError) as e:
        raise ValueError(
            f"{path}: the saved training state is damaged ({type(e).__name__}: {e})"
        ) from None
    except ValueError as e:
        if str(e).startswith(path):
            raise
        raise ValueError(f"{path}: the saved training state is damaged ({e})") from None


def _check_arrays(path: str, arrays: dict[str, np.ndarray], dims: list[int]) -> None:
    """W1, ..., WL as the metadata's layer_dims say (W[l] (n[l], n[l-1])), no W beyond,
    every array a finite float. The other keys (b[l], or gamma[l] and beta[l] in a
    batch-norm layer, and nothing else) are DeepNetwork.from_parameters' to check: one
    definition of what a network's parameters are."""
    L = len(dims) - 1
    for l in range(1, L + 1):
        if f"W{l}" not in arrays:
            raise ValueError(
                f"{path}: missing W{l} (layer_dims {dims} needs W1, b1, ..., W{L}, b{L}; a "
                "batch-norm layer has gamma[l], beta[l] instead of b[l])"
            )
    extra = sorted(
        k for k in arrays if k[:1] == "W" and k not in {f"W{l}" for l in range(1, L + 1)}
    )
    if extra:
        raise ValueError(f"{path}: unexpected entries {extra} (layer_dims {dims} has L = {L})")
    _check_floats(path, arrays)
    for l in range(1, L + 1):  # the arrays agree with the metadata
        want = (dims[l], dims[l - 1])
        if arrays[f"W{l}"].shape != want:
            raise ValueError(
                f"{path}: W{l} has shape {arrays[f'W{l}'].shape}, but layer_dims {dims} in "
                f"'meta' needs (n[{l}], n[{l - 1}]) = {want}"
            )


def _check_floats(path: str, arrays: dict[str, np.ndarray]) -> None:
    """Every array finite float64 or float32, else a ValueError naming it."""
    for key, arr in arrays.items():
        if arr.dtype not in (np.float64, np.float32):
            raise ValueError(f"{path}: {key} has dtype {arr.dtype}, expected float64 or float32")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{path}: {key} contains NaN or inf")


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The metadata of a model file written by :func:`save`, checked like :func:`load` does:
    ``format``, ``version``, ``kind`` (absent in older files: a DeepNetwork), what rebuilds
    the model (DeepNetwork: ``layer_dims``, ``activations``, ``init``, ``l2``,
    ``leaky_slope``, ``keep_prob``, ``rng`` and with batch norm ``batch_norm``; ConvNetwork:
    ``layers``, ``input_shape``, ``l2``; RNNModel: ``cell``, ``n_x``, ``n_a``, ``n_y``,
    ``l2``, ``init``, ``seed``, ``dtype``) and, when saved with them, ``training`` facts and
    the ``training_state``."""
    path = os.fspath(path)
    arrays = _read_arrays(path)
    return _check_meta(path, arrays.get("meta"))


def _read_arrays(path: str) -> dict[str, np.ndarray]:
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path}")
    try:
        with open(path, "rb"):
            pass  # opening is the check: the real reason a file cannot be read
    except OSError as e:
        raise ValueError(f"cannot read the model file {path}: {e.strerror}") from None
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path} is not a model file written by DeepNetwork.save (not a .npz)")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise ValueError(f"{path} is not a model file written by DeepNetwork.save ({e})") from None


def _check_meta(path: str, entry: np.ndarray | None) -> dict[str, Any]:
    """The parsed 'meta' entry: a JSON object of this format and version, or ValueError."""
    if entry is None:
        raise ValueError(f"{path} is not an autograd-dnn model: it has no 'meta' entry")
    try:
        meta = json.loads(str(entry))
    except json.JSONDecodeError:
        raise ValueError(f"{path}: the 'meta' entry is not valid JSON") from None
    if not isinstance(meta, dict):
        raise ValueError(
            f"{path}: the 'meta' entry is a JSON {type(meta).__name__}, expected an object "
            '{"format": ..., "version": ...}; the file was not written by DeepNetwork.save'
        )
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path} is not an autograd-dnn model (format {meta.get('format')!r})")
    version = meta.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError(
            f"{path}: the format version is {version!r} ({type(version).__name__}), expected "
            f"the whole number {FORMAT_VERSION}; the file was not written by DeepNetwork.save"
        )
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{path} has format version {version}; this autograd_dnn reads version {FORMAT_VERSION}"
        )
    kind = meta.get("kind", "DeepNetwork")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(
            f"{path} holds a model of kind {kind!r}; this autograd_dnn reads {', '.join(KINDS)}"
        )
    return meta
