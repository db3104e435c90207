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
``DeepNetwork``    layer_dims, activations, init, l2, leaky_slope
``ConvNetwork``    layers ([{"type": "Conv", "f": 4, ...}, ...]), input_shape, l2
=================  ===========================================================

To add state to a kind (running statistics, say), add its arrays in the kind's
``describe`` and read them back in its ``build``: the rest (format, atomic write, training
state) is shared.
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
    """Write ``net`` (a DeepNetwork or a ConvNetwork) to ``path``: format version, its kind,
    what rebuilds it (DeepNetwork: layer_dims, activations, init; ConvNetwork: its layers
    and input_shape) and every W, b.

    The file is written to a temporary file in the same folder and renamed over ``path``,
    so a crash never leaves a half-written model. Returns the path.

    ``training``: facts about how the parameters came to be, kept in the metadata under
    ``"training"`` (JSON values), e.g. ``{"interrupted": True, "iteration": 41}`` for a
    run stopped by Ctrl-C; :func:`read_metadata` gives them back.

    ``training_state`` (default True): also keep what the last ``fit`` left in
    ``net.training_state`` (the optimizer's buffers as ``opt.<buffer>.<name>`` arrays, its
    step count, the iterations done and the mini-batch RNG), so that after :func:`load`,
    ``fit(..., resume=True)`` continues exactly.
    """
    path = os.fspath(path)
    kind = kind_of(net)
    described, model_arrays = kind.describe(net)
    meta: dict[str, Any] = {"format": FORMAT, "version": FORMAT_VERSION, "kind": kind.name}
    meta.update(described)
    if training is not None:
        meta["training"] = dict(training)
    state_arrays = {}
    if training_state and getattr(net, "training_state", None):
        meta["training_state"], state_arrays = _split_state(net.training_state)
    arrays = {"meta": np.array(json.dumps(meta))}
    arrays.update(model_arrays)
    arrays.update(state_arrays)
    _write_atomic(path, arrays)
    return path


def _write_atomic(path: str, arrays: dict[str, np.ndarray]) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp made it 0600; a model is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path: str | os.PathLike) -> Any:
    """Read a model written by :func:`save`: a DeepNetwork or a ConvNetwork, as its
    metadata's ``kind`` says.

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
def _describe_deep(net: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    meta = {
        "layer_dims": net.layer_dims,
        "activations": net.activations,
        "init": net.init,
        "l2": net.l2,
        "leaky_slope": net.leaky_slope,
    }
    return meta, net.get_parameters()


def _build_deep(path: str, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
    from autograd_dnn.nn import DeepNetwork

    dims = meta.get("layer_dims")
    acts = meta.get("activations")
    if not isinstance(dims, list) or not isinstance(acts, list) or len(acts) != len(dims) - 1:
        raise ValueError(f"{path}: layer_dims and activations in 'meta' do not fit together")
    _check_arrays(path, arrays, dims)
    try:  # DeepNetwork checks b[l] (n[l], 1), the activations and the rest
        net = DeepNetwork.from_parameters(
            arrays,
            activations=acts,
            l2=meta.get("l2", 0.0),
            leaky_slope=meta.get("leaky_slope", 0.01),
        )
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    net.init = meta.get("init", "given")
    return net


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


KINDS: dict[str, Kind] = {
    "DeepNetwork": Kind("DeepNetwork", _describe_deep, _build_deep),
    "ConvNetwork": Kind("ConvNetwork", _describe_conv, _build_conv),
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
    """The inverse of :func:`_split_state`, checking every buffer against the parameters."""
    try:
        opt = dict(facts["optimizer_state"])
        params = net.parameters()
        opt["buffers"] = {b: {n: arrays[f"opt.{b}.{n}"] for n in params} for b in opt["buffers"]}
        for b, named in opt["buffers"].items():
            for n, a in named.items():
                if a.shape != params[n].shape:
                    raise ValueError(f"opt.{b}.{n} has shape {a.shape}, {n} {params[n].shape}")
        return {**facts, "optimizer_state": opt}
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{path}: the saved training state is damaged ({e})") from None


def _check_arrays(path: str, arrays: dict[str, np.ndarray], dims: list[int]) -> None:
    """W1, b1, ..., WL, bL and nothing else, finite floats, W[l] (n[l], n[l-1]) as the
    metadata's layer_dims say."""
    L = len(dims) - 1
    expected = [f"{p}{l}" for l in range(1, L + 1) for p in "Wb"]
    for key in expected:
        if key not in arrays:
            raise ValueError(
                f"{path}: missing {key} (layer_dims {dims} needs W1, b1, ..., W{L}, b{L})"
            )
    extra = sorted(set(arrays) - set(expected))
    if extra:
        raise ValueError(f"{path}: unexpected entries {extra}")
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
    ``leaky_slope``; ConvNetwork: ``layers``, ``input_shape``, ``l2``) and, when saved with
    them, ``training`` facts."""
    path = os.fspath(path)
    arrays = _read_arrays(path)
    return _check_meta(path, arrays.get("meta"))


def _read_arrays(path: str) -> dict[str, np.ndarray]:
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path}")
    try:
        with open(path, "rb"):
            pass
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
