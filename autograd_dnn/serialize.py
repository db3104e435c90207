"""Save and load networks as .npz files, atomically, with every field checked on load."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from autograd_dnn.nn import DeepNetwork

FORMAT = "autograd-dnn-model"
FORMAT_VERSION = 1


def save(net: DeepNetwork, path: str | os.PathLike) -> str:
    """Write ``net`` to ``path``: format version, layer_dims, activations, init, every W, b.

    The file is written to a temporary file in the same folder and renamed over ``path``,
    so a crash never leaves a half-written model. Returns the path.
    """
    path = os.fspath(path)
    meta = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "layer_dims": net.layer_dims,
        "activations": net.activations,
        "init": net.init,
        "l2": net.l2,
        "leaky_slope": net.leaky_slope,
    }
    arrays = {"meta": np.array(json.dumps(meta))}
    arrays.update(net.get_parameters())
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
    return path


def load(path: str | os.PathLike) -> DeepNetwork:
    """Read a network written by :func:`save`.

    Raises ValueError saying what is wrong (not a model file, another format version,
    a missing ``W3``, ``b2`` of shape (4,) instead of (4, 1), a wrong dtype) rather than
    building a broken network; FileNotFoundError when there is no such file.
    """
    from autograd_dnn.nn import DeepNetwork, check_param_shapes

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path}")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path} is not a model file written by DeepNetwork.save (not a .npz)")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise ValueError(f"{path} is not a model file written by DeepNetwork.save ({e})") from None
    if "meta" not in arrays:
        raise ValueError(f"{path} is not an autograd-dnn model: it has no 'meta' entry")
    try:
        meta = json.loads(str(arrays.pop("meta")))
    except json.JSONDecodeError:
        raise ValueError(f"{path}: the 'meta' entry is not valid JSON") from None
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path} is not an autograd-dnn model (format {meta.get('format')!r})")
    if meta.get("version") != FORMAT_VERSION:
        raise ValueError(
            f"{path} has format version {meta.get('version')}; this autograd_dnn reads "
            f"version {FORMAT_VERSION}"
        )
    dims = meta.get("layer_dims")
    acts = meta.get("activations")
    if not isinstance(dims, list) or not isinstance(acts, list) or len(acts) != len(dims) - 1:
        raise ValueError(f"{path}: layer_dims and activations in 'meta' do not fit together")
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
    for key, arr in arrays.items():
        if arr.dtype not in (np.float64, np.float32):
            raise ValueError(f"{path}: {key} has dtype {arr.dtype}, expected float64 or float32")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{path}: {key} contains NaN or inf")
    try:
        check_param_shapes(arrays, dims)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    net = DeepNetwork.from_parameters(
        arrays, activations=acts, l2=meta.get("l2", 0.0), leaky_slope=meta.get("leaky_slope", 0.01)
    )
    net.init = meta.get("init", "given")
    return net
