"""Facts: what the learner's process tells the judge, as data and never as code.

The learner's process ends by describing its namespace (and whatever the
exercise's probe recorded) as *facts*: a JSON tree of plain values whose
tensors travel beside it in one ``torch.save`` file. The judge reads that file
with ``torch.load(weights_only=True)``, torch's restricted unpickler, and the
tree with ``json``; nothing in it can name a function to call.

Written by hand because no library maps live torch objects (modules,
optimizers, views that share memory, autograd metadata) onto safe data and back:
safetensors holds tensors only, and pickling the objects themselves is exactly
what the judge must never do.

On the judge's side, :func:`restore` rebuilds look-alikes that existing check
code can use unchanged:

* tensors keep their values, dtype, ``requires_grad``, ``grad`` and whether
  they are leaves (a non-leaf is rebuilt as one, from a trusted operation);
  the name of the operation that made them and the memory they occupied in
  the learner's process are kept in a side table (:func:`meta_of`);
* ``nn.Module`` trees are rebuilt from torch's own classes; a class the
  learner wrote becomes the reference solution's class of the same name (so
  the judge runs the *reference* ``forward`` on the learner's layers and
  weights), or a placeholder whose ``forward`` refuses to run;
* optimizers are rebuilt from torch's classes with the learner's
  hyper-parameters, holding the rebuilt parameters themselves;
* functions, learner-defined objects and anything too large become
  :class:`Opaque` values that say what they were.

One module past 500 lines on purpose: collecting (in the learner's process) and
restoring (in the judge) are the two directions of one format, and every kind
of value needs both, side by side, or the judge would misread what was sent.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import types
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

FACTS_FILE = ".quiz-facts.pt"
"""Written by the learner's process in its own folder; read by the judge."""
FORMAT = 1
MAX_DEPTH = 24
MAX_ITEMS = 20_000
"""Containers longer than this (and deeper than ``MAX_DEPTH``) travel as Opaque."""
MAX_TENSOR_BYTES = 256 << 20
"""Tensor data a check may send in all; larger tensors travel as Opaque."""
MAX_STRING = 1 << 20
MAX_FILE_BYTES = 512 << 20

# The learner's code may patch torch and builtins before the collector runs. Keep
# the original functions the collector relies on, bound while the zygote imports us.
_is_tensor = torch.is_tensor
_isinstance = isinstance
_type = type
_id = id
_detach = torch.Tensor.detach
_untyped_storage = torch.Tensor.untyped_storage
_storage_ptr = torch.UntypedStorage.data_ptr
_storage_nbytes = torch.UntypedStorage.nbytes
_save = torch.save
_no_torch_function = torch._C.DisableTorchFunction
_json_dumps = json.dumps

_SIMPLE = (bool, int, float, str, type(None))
_LIBRARY_MODULE_PREFIXES = ("torch.nn.modules.", "torchvision.transforms.")
_KEEP_PRIVATE_ATTRS = {"_reversed_padding_repeated_twice"}


class FactsError(Exception):
    """The facts file is missing, damaged, too large or not of this format."""


@dataclass(frozen=True)
class Opaque:
    """A value the learner's process could not send as data: says what it was."""

    kind: str
    """"function", "class", "object", "too large", …"""
    type_name: str
    text: str = ""

    def __repr__(self) -> str:
        return f"<{self.kind} {self.type_name}>"

    def __bool__(self) -> bool:
        return True


class OpaqueFunction(Opaque):
    """A function or other callable of the learner's: callable here, but refuses to run."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise FactsError(
            f"the judge cannot call your {self.type_name.removeprefix('__main__.')}: "
            "it runs no learner code"
        )


@dataclass(frozen=True)
class TensorMeta:
    """What a tensor was in the learner's process, beyond its values."""

    grad_fn: str | None
    is_leaf: bool
    memory: tuple[int, int] | None
    """The [start, end) addresses of the memory it viewed, for sharing checks."""


_META: dict[int, tuple[Any, TensorMeta]] = {}
_SHADOWED: dict[int, tuple[Any, dict[str, str]]] = {}
"""Objects whose methods the learner replaced by assigning to them: attribute -> the type
of what was assigned (the judge restores the class's own method in its place)."""
_STORAGE: dict[int, tuple[int, int] | None] = {}
"""Where the judge's restored memory lived in the learner's process, by its address here."""


def learner_memory(address: int) -> tuple[bool, tuple[int, int] | None]:
    """(was restored from facts, the learner-side range) for memory at ``address`` here."""
    if address in _STORAGE:
        return True, _STORAGE[address]
    return False, None


def shadowed(value: Any) -> dict[str, str]:
    """The methods of a restored object that the learner's code assigned over, each with
    the type name of the value assigned (empty for objects the judge made itself)."""
    entry = _SHADOWED.get(_id(value))
    if entry is None or entry[0] is not value:
        return {}
    return dict(entry[1])


def meta_of(value: Any) -> TensorMeta | None:
    """The learner-side facts about a restored tensor or array (None for judge-made ones)."""
    entry = _META.get(_id(value))
    if entry is None or entry[0] is not value:
        return None
    return entry[1]


# ---------------------------------------------------------------------------
# The learner's side


def _class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _memory(value: Any) -> tuple[int, int] | None:
    try:
        if _is_tensor(value):
            if value.device.type != "cpu":
                return None
            storage = _untyped_storage(value)
            start = _storage_ptr(storage)
            return start, start + _storage_nbytes(storage)
        if _isinstance(value, np.ndarray):
            base = value
            while _isinstance(base.base, np.ndarray):
                base = base.base
            start = int(base.__array_interface__["data"][0])
            return start, start + int(base.nbytes)
    except Exception:
        return None
    return None


class _Collector:
    """Turns learner objects into a JSON tree plus a list of tensors."""

    def __init__(self, setup: dict[str, Any]) -> None:
        self.tensors: list[torch.Tensor] = []
        self.tensor_meta: list[dict[str, Any]] = []
        self._tensor_index: dict[int, int] = {}
        self._objects: dict[int, int] = {}
        self._keep: list[Any] = []  # so ids stay unique while we work
        self._count = 0
        self._bytes = 0
        self._setup = {_id(v): k for k, v in setup.items()}

    def tensor(self, value: torch.Tensor) -> Any:
        key = _id(value)
        if key in self._tensor_index:
            return {"$t": self._tensor_index[key]}
        nbytes = torch.Tensor.numel(value) * torch.Tensor.element_size(value)
        if self._bytes + nbytes > MAX_TENSOR_BYTES:
            return self._opaque("too large", value, f"{tuple(value.shape)}")
        self._bytes += nbytes
        self._keep.append(value)
        plain = _detach(value)
        if _type(plain) is not torch.Tensor:
            plain = plain.as_subclass(torch.Tensor)
        if plain.device.type != "cpu":
            plain = plain.cpu()
        index = len(self.tensors)
        self._tensor_index[key] = index
        is_param = _isinstance(value, nn.Parameter)
        self.tensors.append(plain)
        self.tensor_meta.append({})  # filled below, after the gradient takes its own slot
        grad = value.grad if value.is_leaf else None
        grad_ref = self.tensor(grad) if _is_tensor(grad) else None
        fn = value.grad_fn
        self.tensor_meta[index] = {
            "param": is_param,
            "requires_grad": bool(value.requires_grad),
            "is_leaf": bool(value.is_leaf),
            "grad_fn": _type(fn).__name__ if fn is not None else None,
            "grad": grad_ref.get("$t") if isinstance(grad_ref, dict) else None,
            "memory": _memory(value),
            "device": value.device.type,
        }
        return {"$t": index}

    def _opaque(self, kind: str, value: Any, text: str = "") -> dict[str, Any]:
        try:
            name = _class_path(_type(value)) if kind != "class" else _class_path(value)
        except Exception:
            name = "?"
        return {"$opaque": kind, "type": name, "text": text[:200]}

    def encode(self, value: Any, depth: int = 0) -> Any:
        self._count += 1
        if self._count > MAX_ITEMS or depth > MAX_DEPTH:
            return {"$opaque": "too large", "type": "", "text": ""}
        kind = _type(value)
        if kind in _SIMPLE:
            if kind is float and not math.isfinite(value):
                return {"$float": repr(value)}
            if kind is str and len(value) > MAX_STRING:
                return value[:MAX_STRING]
            return value
        if value is Ellipsis:
            return {"$ellipsis": True}
        if _is_tensor(value):
            return self.tensor(value)
        if _isinstance(value, np.ndarray):
            return self._ndarray(value)
        if _isinstance(value, np.generic):
            return {"$npscalar": str(value.dtype), "value": self.encode(value.item(), depth + 1)}
        if _isinstance(value, torch.dtype):
            return {"$dtype": str(value).removeprefix("torch.")}
        if _isinstance(value, torch.Size):
            return {"$size": [int(v) for v in value]}
        if _isinstance(value, torch.device):
            return {"$device": str(value)}
        if _isinstance(value, np.dtype):
            return {"$npdtype": str(value)}
        if kind is complex:
            return {"$complex": [value.real, value.imag]}
        if _isinstance(value, types.ModuleType):
            return {"$pymodule": value.__name__}
        key = _id(value)
        if key in self._setup and not _isinstance(
            value, nn.Module | torch.optim.Optimizer | list | dict | tuple | set
        ):
            return {"$setup": self._setup[key]}
        if key in self._objects:
            return {"$ref": self._objects[key]}
        if kind in (list, tuple, set, frozenset, dict, OrderedDict, defaultdict):
            return self._container(value, depth)
        self._objects[key] = len(self._objects)
        self._keep.append(value)
        ref = self._objects[key]
        if _isinstance(value, type):
            return {
                "$class": _class_path(value),
                "module": issubclass(value, nn.Module),
                "id": ref,
            }
        if _isinstance(value, nn.Module):
            return self._module(value, depth, ref)
        if _isinstance(value, torch.optim.Optimizer):
            return self._optimizer(value, depth, ref)
        if _class_path(kind).startswith(_LIBRARY_MODULE_PREFIXES) and not _isinstance(value, tuple):
            # (A library namedtuple, e.g. load_state_dict's _IncompatibleKeys, cannot be
            # rebuilt attribute by attribute: it travels as an Opaque that names its type.)
            return {
                "$obj": _class_path(kind),
                "attrs": self._attrs(value, depth),
                "id": ref,
            }
        if callable(value):
            return {**self._opaque("function", value, _safe_repr(value)), "id": ref}
        return {**self._opaque("object", value, _safe_repr(value)), "id": ref}

    def _ndarray(self, value: np.ndarray) -> Any:
        if value.dtype.hasobject or value.dtype.kind not in "biufc":
            return self._opaque("object", value, f"ndarray of {value.dtype}")
        key = _id(value)
        if key in self._tensor_index:
            return {"$np": self._tensor_index[key], "dtype": str(value.dtype)}
        nbytes = int(value.nbytes)
        if self._bytes + nbytes > MAX_TENSOR_BYTES:
            return self._opaque("too large", value, f"{value.shape}")
        self._bytes += nbytes
        self._keep.append(value)
        index = len(self.tensors)
        self._tensor_index[key] = index
        self.tensors.append(torch.from_numpy(np.array(value, copy=True, order="C")))
        self.tensor_meta.append(
            {
                "param": False,
                "requires_grad": False,
                "is_leaf": True,
                "grad_fn": None,
                "grad": None,
                "memory": _memory(value),
                "device": "cpu",
            }
        )
        return {"$np": index, "dtype": str(value.dtype)}

    def _container(self, value: Any, depth: int) -> Any:
        if len(value) > MAX_ITEMS:
            return self._opaque("too large", value, f"{len(value)} items")
        if _isinstance(value, dict):
            tag = "$odict" if _type(value) is OrderedDict else "$dict"
            return {
                tag: [
                    [self.encode(k, depth + 1), self.encode(v, depth + 1)]
                    for k, v in list(value.items())
                ]
            }
        tags: dict[type, str] = {list: "$list", tuple: "$tuple", set: "$set", frozenset: "$set"}
        tag = tags[_type(value)]
        items = list(value)
        return {tag: [self.encode(v, depth + 1) for v in items]}

    def _attrs(self, value: Any, depth: int) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        try:
            found = dict(vars(value))
        except TypeError:
            return attrs
        for name, item in found.items():
            if _type(name) is not str or (name.startswith("_") and name not in _KEEP_PRIVATE_ATTRS):
                continue
            attrs[name] = self.encode(item, depth + 1)
        return attrs

    def _module(self, value: nn.Module, depth: int, ref: int) -> Any:
        d = vars(value)
        params = {
            str(k): (self.tensor(p) if _is_tensor(p) else None)
            for k, p in dict(d.get("_parameters", {})).items()
        }
        buffers = {
            str(k): (self.tensor(b) if _is_tensor(b) else None)
            for k, b in dict(d.get("_buffers", {})).items()
        }
        children = {
            str(k): (self.encode(m, depth + 1) if _isinstance(m, nn.Module) else None)
            for k, m in dict(d.get("_modules", {})).items()
        }
        return {
            "$module": _class_path(_type(value)),
            "id": ref,
            "training": bool(d.get("training", True)),
            "attrs": self._attrs(value, depth),
            "params": params,
            "buffers": buffers,
            "children": children,
        }

    def _optimizer(self, value: torch.optim.Optimizer, depth: int, ref: int) -> Any:
        groups = []
        for group in list(value.param_groups):
            entry = {
                str(k): self.encode(v, depth + 1) for k, v in dict(group).items() if k != "params"
            }
            entry["params"] = [self.tensor(p) for p in list(group["params"]) if _is_tensor(p)]
            groups.append(entry)
        state = [
            [self.tensor(p), {str(k): self.encode(v, depth + 1) for k, v in dict(s).items()}]
            for p, s in list(value.state.items())
            if _is_tensor(p)
        ]
        return {
            "$optimizer": _class_path(_type(value)),
            "id": ref,
            "defaults": {
                str(k): self.encode(v, depth + 1) for k, v in dict(value.defaults).items()
            },
            "groups": groups,
            "state": state,
        }


def _safe_repr(value: Any) -> str:
    try:
        return object.__repr__(value)
    except Exception:
        return ""


def collect(
    namespace: dict[str, Any],
    *,
    setup: dict[str, Any],
    stdout: str,
    recorded: dict[str, Any],
) -> tuple[dict[str, Any], list[torch.Tensor]]:
    """Describe the learner's namespace and the probe's records as (tree, tensors).

    ``setup`` maps the names the trusted setup bound to their objects: the
    learner's names still bound to those same objects (datasets, loaders, the
    setup's functions) travel as references the judge resolves in its own
    replay of the setup.
    """
    collector = _Collector(setup)
    names: dict[str, Any] = {}
    # Tensor subclasses of the learner's cannot answer for themselves here.
    with _no_torch_function():
        for name, value in list(namespace.items()):
            if _type(name) is not str or name.startswith("__"):
                continue
            names[name] = collector.encode(value)
        records = {str(k): collector.encode(v) for k, v in recorded.items()}
    tree = {
        "format": FORMAT,
        "stdout": stdout[:MAX_STRING],
        "names": names,
        "records": records,
        "tensors": collector.tensor_meta,
    }
    return tree, collector.tensors


def dump(path: str, tree: dict[str, Any], tensors: list[torch.Tensor]) -> None:
    """Write the facts where the judge will look (the learner's own folder)."""
    payload = {"tree": _json_dumps(tree, allow_nan=False), "tensors": tensors}
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        _save(payload, f)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------
# The judge's side


class LearnerModule(nn.Module):
    """Stands in for an ``nn.Module`` class the learner wrote and the reference lacks."""

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise FactsError(
            f"the judge cannot run {type(self).__name__}.forward: it runs no learner code"
        )


class LearnerObject:
    """Stands in for an instance of a class the learner wrote (not a module)."""


def read(path: str) -> tuple[dict[str, Any], list[torch.Tensor]]:
    """Load a facts file safely: restricted unpickling for tensors, JSON for the rest."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise FactsError(f"no facts file ({exc.strerror})") from exc
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise FactsError(f"the facts file is too large ({size >> 20} MB)")
        try:
            payload = torch.load(f, map_location="cpu", weights_only=True)
        except Exception as exc:
            raise FactsError(f"the facts file cannot be read safely ({exc})") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("tree"), str):
        raise FactsError("the facts file has the wrong shape")
    tensors = payload.get("tensors")
    if not isinstance(tensors, list) or not all(isinstance(t, torch.Tensor) for t in tensors):
        raise FactsError("the facts file's tensors have the wrong shape")
    try:
        tree = json.loads(payload["tree"])
    except ValueError as exc:
        raise FactsError(f"the facts are not valid JSON ({exc})") from exc
    except RecursionError as exc:
        raise FactsError("the facts are nested too deeply to read") from exc
    if not isinstance(tree, dict) or tree.get("format") != FORMAT:
        raise FactsError("the facts are of another format")
    meta = tree.get("tensors")
    if not isinstance(meta, list) or len(meta) != len(tensors):
        raise FactsError("the facts' tensor table does not match its tensors")
    return tree, tensors


class _Restorer:
    def __init__(
        self,
        tree: dict[str, Any],
        tensors: list[torch.Tensor],
        *,
        setup: dict[str, Any],
        classes: Callable[[str], type | None],
    ) -> None:
        self.meta: list[dict[str, Any]] = tree["tensors"]
        self.raw = tensors
        self.tensors: dict[int, torch.Tensor] = {}
        self.arrays: dict[int, np.ndarray] = {}
        self.objects: dict[int, Any] = {}
        self.setup = setup
        self.classes = classes
        self._placeholders: dict[tuple[str, bool], type] = {}

    def tensor(self, index: Any) -> torch.Tensor:
        if not isinstance(index, int) or not 0 <= index < len(self.raw):
            raise FactsError(f"a tensor reference is out of range: {index!r}")
        if index in self.tensors:
            return self.tensors[index]
        meta = self.meta[index]
        if not isinstance(meta, dict):
            raise FactsError("a tensor's facts have the wrong shape")
        data = self.raw[index].detach()
        value: torch.Tensor
        if meta.get("param"):
            value = nn.Parameter(data, requires_grad=bool(meta.get("requires_grad")))
        elif meta.get("requires_grad") and not meta.get("is_leaf"):
            # A non-leaf is rebuilt as one: a trusted operation on a fresh leaf.
            value = torch.zeros_like(data, requires_grad=True) + data
        elif meta.get("requires_grad") and data.is_floating_point():
            value = data.requires_grad_(True)
        else:
            value = data
        self.tensors[index] = value
        grad = meta.get("grad")
        if grad is not None:
            g = self.tensor(grad)
            if g.shape == value.shape and value.is_leaf and value.requires_grad:
                value.grad = g.detach()
        memory = meta.get("memory")
        for tensor in (value, data):
            if tensor.untyped_storage().nbytes():
                _STORAGE[tensor.untyped_storage().data_ptr()] = _as_range(memory)
        _META[id(value)] = (
            value,
            TensorMeta(
                grad_fn=meta.get("grad_fn") if isinstance(meta.get("grad_fn"), str) else None,
                is_leaf=bool(meta.get("is_leaf", True)),
                memory=_as_range(memory),
            ),
        )
        return value

    def ndarray(self, index: Any, dtype: Any) -> np.ndarray:
        if isinstance(index, int) and index in self.arrays:
            return self.arrays[index]
        array = self.tensor(index).detach().numpy().copy()
        if isinstance(dtype, str):
            with contextlib.suppress(TypeError):
                array = array.astype(np.dtype(dtype), copy=False)
        memory = self.meta[index].get("memory")
        if array.nbytes:
            _STORAGE[int(array.__array_interface__["data"][0])] = _as_range(memory)
        _META[id(array)] = (
            array,
            TensorMeta(
                grad_fn=None,
                is_leaf=True,
                memory=_as_range(memory),
            ),
        )
        self.arrays[index] = array
        return array

    def placeholder(self, path: str, module: bool) -> type:
        key = (path, module)
        if key not in self._placeholders:
            name = path.rsplit(".", 1)[-1] or "Unknown"
            base: type = LearnerModule if module else LearnerObject
            self._placeholders[key] = type(name, (base,), {"__module__": "__main__"})
        return self._placeholders[key]

    def restore(self, node: Any) -> Any:
        if isinstance(node, str | bool | int | float) or node is None:
            return node
        if isinstance(node, list):  # only inside tagged containers
            raise FactsError("an untagged list in the facts")
        if not isinstance(node, dict) or not node:
            raise FactsError("a fact has the wrong shape")
        tag = next(iter(node))
        if tag == "$t":
            return self.tensor(node["$t"])
        if tag == "$np":
            return self.ndarray(node["$np"], node.get("dtype"))
        if tag == "$list":
            return [self.restore(v) for v in _items(node[tag])]
        if tag == "$tuple":
            return tuple(self.restore(v) for v in _items(node[tag]))
        if tag == "$set":
            return {self.restore(v) for v in _items(node[tag])}
        if tag in ("$dict", "$odict"):
            out: dict[Any, Any] = OrderedDict() if tag == "$odict" else {}
            for pair in _items(node[tag]):
                if not isinstance(pair, list) or len(pair) != 2:
                    raise FactsError("a dict entry has the wrong shape")
                out[self.restore(pair[0])] = self.restore(pair[1])
            return out
        if tag == "$float":
            return float(str(node[tag]))
        if tag == "$ellipsis":
            return Ellipsis
        if tag == "$complex":
            real, imag = _items(node[tag])
            return complex(float(real), float(imag))
        if tag == "$npscalar":
            return np.dtype(str(node[tag])).type(self.restore(node.get("value")))
        if tag == "$dtype":
            dtype = getattr(torch, str(node[tag]), None)
            return dtype if isinstance(dtype, torch.dtype) else Opaque("object", "torch.dtype")
        if tag == "$size":
            return torch.Size(int(v) for v in _items(node[tag]))
        if tag == "$device":
            return torch.device(str(node[tag]))
        if tag == "$npdtype":
            return np.dtype(str(node[tag]))
        if tag == "$pymodule":
            name = str(node[tag])
            module = sys.modules.get(name)
            return module if module is not None else Opaque("module", name)
        if tag == "$setup":
            name = str(node[tag])
            return self.setup[name] if name in self.setup else Opaque("object", name)
        if tag == "$ref":
            ref = node[tag]
            if ref not in self.objects:
                raise FactsError("a reference to an object not seen before")
            return self.objects[ref]
        if tag == "$opaque":
            kind = OpaqueFunction if node[tag] == "function" else Opaque
            value = kind(str(node[tag]), str(node.get("type", "")), str(node.get("text", "")))
            return self._remember(node, value)
        if tag == "$class":
            return self._remember(node, self._class(str(node[tag]), bool(node.get("module"))))
        if tag == "$module":
            return self._module(node)
        if tag == "$optimizer":
            return self._optimizer(node)
        if tag == "$obj":
            return self._object(node)
        raise FactsError(f"an unknown kind of fact: {tag!r}")

    def _remember(self, node: dict[str, Any], value: Any) -> Any:
        ref = node.get("id")
        if isinstance(ref, int):
            self.objects[ref] = value
        return value

    def _class(self, path: str, module: bool) -> type:
        found = _library_class(path, nn.Module) or _library_class(path, torch.optim.Optimizer)
        if found is not None:
            return found
        if path.startswith("__main__."):
            reference = self.classes(path.removeprefix("__main__."))
            if reference is not None and (not module or issubclass(reference, nn.Module)):
                return reference
        return self.placeholder(path, module)

    def _module(self, node: dict[str, Any]) -> nn.Module:
        cls = self._class(str(node["$module"]), True)
        if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
            cls = self.placeholder(str(node["$module"]), True)
        module: nn.Module = object.__new__(cls)
        nn.Module.__init__(module)
        self._remember(node, module)
        for name, value in _mapping(node.get("attrs")).items():
            if _shadows_behaviour(cls, name):
                self._note_shadow(module, cls, name, value)
                continue
            object.__setattr__(module, name, self.restore(value))
        for name, value in _mapping(node.get("params")).items():
            param = None if value is None else self.restore(value)
            if param is not None and not isinstance(param, nn.Parameter):
                param = nn.Parameter(param.detach(), requires_grad=param.requires_grad)
            module._parameters[name] = param
        for name, value in _mapping(node.get("buffers")).items():
            module._buffers[name] = None if value is None else self.restore(value)
        for name, value in _mapping(node.get("children")).items():
            child = None if value is None else self.restore(value)
            module._modules[name] = child if isinstance(child, nn.Module) else None
        module.training = bool(node.get("training", True))
        return module

    def _optimizer(self, node: dict[str, Any]) -> Any:
        path = str(node["$optimizer"])
        cls = _library_class(path, torch.optim.Optimizer)
        if cls is None:
            return self._remember(node, Opaque("object", path))
        groups = []
        for group in _items(node.get("groups")):
            entry = {str(k): self.restore(v) for k, v in _mapping(group).items() if k != "params"}
            entry["params"] = [self.tensor(p.get("$t")) for p in _items(group.get("params"))]
            groups.append(entry)
        optimizer: Any = object.__new__(cls)
        state: dict[Any, Any] = {}
        for pair in _items(node.get("state")):
            param, values = pair
            state[self.tensor(param.get("$t"))] = {
                str(k): self.restore(v) for k, v in _mapping(values).items()
            }
        optimizer.__setstate__(
            {
                "defaults": {
                    str(k): self.restore(v) for k, v in _mapping(node.get("defaults")).items()
                },
                "state": defaultdict(dict, state),
                "param_groups": groups,
            }
        )
        return self._remember(node, optimizer)

    def _object(self, node: dict[str, Any]) -> Any:
        path = str(node["$obj"])
        cls = _library_class(path, object)
        if cls is None or not path.startswith(_LIBRARY_MODULE_PREFIXES):
            return self._remember(node, Opaque("object", path))
        value: Any = object.__new__(cls)
        self._remember(node, value)
        for name, item in _mapping(node.get("attrs")).items():
            if _shadows_behaviour(cls, name):
                self._note_shadow(value, cls, name, item)
            else:
                object.__setattr__(value, name, self.restore(item))
        return value

    def _note_shadow(self, owner: Any, cls: type, name: str, node: Any) -> None:
        """Remember that the learner assigned ``node`` over the method ``name`` of ``owner``."""
        if name.startswith("__") or not callable(getattr(cls, name, None)):
            return  # a property or a dunder: nothing a learner means to call
        _SHADOWED.setdefault(_id(owner), (owner, {}))[1][name] = _kind_of(node)


_KINDS = {
    "$dict": "dict",
    "$odict": "dict",
    "$list": "list",
    "$tuple": "tuple",
    "$set": "set",
    "$t": "tensor",
    "$np": "NumPy array",
}


def _kind_of(node: Any) -> str:
    """What a fact is, in a word (``dict``, ``tensor``, ``Net``), without rebuilding it."""
    if node is None:
        return "None"
    if isinstance(node, bool | int | float | str):
        return type(node).__name__
    if isinstance(node, dict) and node:
        tag = str(next(iter(node)))
        if tag in _KINDS:
            return _KINDS[tag]
        for key in ("$module", "$optimizer", "$obj", "$class"):
            if key in node:
                return str(node[key]).rsplit(".", 1)[-1]
        if tag == "$opaque":
            return str(node.get("type", "object")).rsplit(".", 1)[-1] or "object"
    return "value"


def _as_range(value: Any) -> tuple[int, int] | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return int(value[0]), int(value[1])
    return None


def _items(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise FactsError("a list in the facts has the wrong shape")
    return value


def _mapping(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FactsError("a mapping in the facts has the wrong shape")
    return value


def _library_class(path: str, base: type) -> type | None:
    """torch's (or torchvision's) own class at ``path``, if it is already imported."""
    if not path.startswith(("torch.", "torchvision.")):
        return None
    module_name, _, name = path.rpartition(".")
    module = sys.modules.get(module_name)
    found = getattr(module, name, None) if module is not None else None
    if isinstance(found, type) and issubclass(found, base):
        return found
    return None


def _shadows_behaviour(cls: type, name: str) -> bool:
    """An attribute that would replace a method or property of the class."""
    if name.startswith("__") or name in ("forward", "training"):
        return True
    current = getattr(cls, name, None)
    return current is not None and (callable(current) or isinstance(current, property))


def restore(
    tree: dict[str, Any],
    tensors: list[torch.Tensor],
    *,
    setup: dict[str, Any],
    classes: Callable[[str], type | None],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Rebuild (namespace, records) from facts; see the module docstring."""
    restorer = _Restorer(tree, tensors, setup=setup, classes=classes)
    names = {str(k): restorer.restore(v) for k, v in _mapping(tree.get("names")).items()}
    records = {str(k): restorer.restore(v) for k, v in _mapping(tree.get("records")).items()}
    return names, records
