"""Facts travel from the learner's process to the judge as data, and come back usable.

These run both sides in one process: what matters here is the encoding, not the
fork. The end-to-end split is covered by the golden tests and the attack suite.
"""

from __future__ import annotations

import os
import pickle
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from checkers import _facts, grad_fn_kind, shares_memory


class Net(nn.Module):
    """Stands in for the reference solution's class of the same name."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.fc(x)
        return out


def round_trip(
    names: dict[str, Any],
    tmp_path: Path,
    *,
    setup: dict[str, Any] | None = None,
    classes: dict[str, type] | None = None,
) -> dict[str, Any]:
    tree, tensors = _facts.collect(names, setup=setup or {}, stdout="hi\n", recorded={})
    path = str(tmp_path / _facts.FACTS_FILE)
    _facts.dump(path, tree, tensors)
    tree, tensors = _facts.read(path)
    restored, _ = _facts.restore(
        tree, tensors, setup=setup or {}, classes=lambda n: (classes or {}).get(n)
    )
    return restored


def test_tensors_keep_values_dtype_and_autograd_facts(tmp_path: Path) -> None:
    x = torch.ones(2, 2, requires_grad=True)
    y = x * 3
    y.sum().backward()
    got = round_trip({"x": x, "y": y, "z": torch.zeros(5, 3, dtype=torch.long)}, tmp_path)
    assert got["z"].dtype is torch.long and got["z"].shape == (5, 3)
    assert got["x"].is_leaf and got["x"].requires_grad
    assert torch.equal(got["x"].grad, torch.full((2, 2), 3.0))
    assert not got["y"].is_leaf and got["y"].grad_fn is not None
    assert grad_fn_kind(got["y"]) == "MulBackward"
    assert torch.equal(got["y"].detach(), torch.full((2, 2), 3.0))


def test_memory_sharing_is_what_it_was_in_the_learner_process(tmp_path: Path) -> None:
    a = torch.ones(5)
    got = round_trip({"a": a, "shared": a.numpy(), "copied": a.numpy().copy()}, tmp_path)
    assert isinstance(got["shared"], np.ndarray) and got["shared"].dtype == np.float32
    assert shares_memory(got["a"], got["shared"])
    assert not shares_memory(got["a"], got["copied"])


def test_modules_and_optimizers_keep_structure_and_identity(tmp_path: Path) -> None:
    net = nn.Sequential(nn.Conv2d(3, 6, 5, stride=5), nn.ReLU())
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    got = round_trip({"net": net, "opt": opt, "alias": net}, tmp_path)
    conv = got["net"][0]
    assert isinstance(conv, nn.Conv2d)
    assert conv.stride == (5, 5) and conv.kernel_size == (5, 5) and conv.in_channels == 3
    assert got["alias"] is got["net"]
    assert isinstance(got["opt"], torch.optim.SGD)
    assert got["opt"].param_groups[0]["momentum"] == 0.9
    assert got["opt"].param_groups[0]["params"][0] is conv.weight
    out = got["net"](torch.zeros(1, 3, 10, 10))
    assert out.shape == (1, 6, 2, 2)


def test_a_learner_class_becomes_the_reference_class_or_a_placeholder(tmp_path: Path) -> None:
    class Mine(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(2, 3)

    Mine.__module__ = "__main__"
    Mine.__qualname__ = "Net"
    got = round_trip({"net": Mine()}, tmp_path, classes={"Net": Net})
    assert type(got["net"]) is Net
    assert got["net"](torch.zeros(1, 2)).shape == (1, 3)

    Mine.__qualname__ = "Other"
    got = round_trip({"net": Mine()}, tmp_path, classes={"Net": Net})
    assert type(got["net"]).__name__ == "Other"
    assert isinstance(got["net"], _facts.LearnerModule)
    with pytest.raises(_facts.FactsError, match="runs no learner code"):
        got["net"](torch.zeros(1, 2))


def test_code_and_unknown_objects_travel_as_descriptions(tmp_path: Path) -> None:
    class Thing:
        pass

    got = round_trip({"f": lambda v: v, "thing": Thing(), "module": os}, tmp_path)
    assert isinstance(got["f"], _facts.Opaque) and got["f"].kind == "function"
    assert isinstance(got["thing"], _facts.Opaque) and got["thing"].kind == "object"
    assert got["module"] is os


def test_containers_special_floats_and_setup_references(tmp_path: Path) -> None:
    loader = object()
    values = {
        "od": OrderedDict(a=torch.ones(1)),
        "nested": {"k": [1, (2.5, "s")], 3: {4}},
        "nan": float("nan"),
        "blank": ...,
        "dtype": torch.float64,
        "size": torch.Size([2, 3]),
        "loader": loader,
    }
    got = round_trip(values, tmp_path, setup={"loader": loader})
    assert isinstance(got["od"], OrderedDict) and torch.equal(got["od"]["a"], torch.ones(1))
    assert got["nested"] == {"k": [1, (2.5, "s")], 3: {4}}
    assert got["nan"] != got["nan"]
    assert got["blank"] is Ellipsis
    assert got["dtype"] is torch.float64 and got["size"] == torch.Size([2, 3])
    assert got["loader"] is loader


class Evil:
    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, ("echo pwned",))


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not a torch file", "cannot be read safely"),
        (pickle.dumps(Evil()), "cannot be read safely"),
    ],
    ids=["garbage", "pickle-calling-os.system"],
)
def test_a_hostile_facts_file_is_refused(content: bytes, reason: str, tmp_path: Path) -> None:
    path = tmp_path / _facts.FACTS_FILE
    path.write_bytes(content)
    with pytest.raises(_facts.FactsError, match=reason):
        _facts.read(str(path))


def test_a_torch_saved_evil_object_is_refused(tmp_path: Path) -> None:
    path = tmp_path / _facts.FACTS_FILE
    torch.save({"tree": "{}", "tensors": [], "x": Evil()}, path)
    with pytest.raises(_facts.FactsError, match="cannot be read safely"):
        _facts.read(str(path))


def test_a_symlinked_facts_file_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.pt"
    tree, tensors = _facts.collect({}, setup={}, stdout="", recorded={})
    _facts.dump(str(target), tree, tensors)
    (tmp_path / _facts.FACTS_FILE).symlink_to(target)
    with pytest.raises(_facts.FactsError, match="no facts file"):
        _facts.read(str(tmp_path / _facts.FACTS_FILE))


@pytest.mark.parametrize(
    "tree",
    [
        {"format": 1, "tensors": [], "names": {"x": {"$nope": 1}}},
        {"format": 1, "tensors": [], "names": {"x": {"$t": 7}}},
        {"format": 1, "tensors": [], "names": {"x": {"$ref": 3}}},
        {"format": 1, "tensors": [], "names": {"x": [1, 2]}},
        {"format": 1, "tensors": [], "names": {"x": {"$dict": [[1]]}}},
        {"format": 1, "tensors": [], "names": {"x": {"$dict": [[{"$list": []}, 1]]}}},
    ],
    ids=[
        "unknown-tag",
        "tensor-out-of-range",
        "dangling-ref",
        "untagged-list",
        "bad-pair",
        "unhashable-key",
    ],
)
def test_malformed_trees_are_named_errors(tree: dict[str, Any], tmp_path: Path) -> None:
    import json

    path = tmp_path / _facts.FACTS_FILE
    torch.save({"tree": json.dumps(tree), "tensors": []}, path)
    tree, tensors = _facts.read(str(path))
    with pytest.raises((_facts.FactsError, TypeError)):  # the judge names both alike
        _facts.restore(tree, tensors, setup={}, classes=lambda n: None)


def test_patched_torch_in_the_learner_process_does_not_change_the_collector(
    tmp_path: Path,
) -> None:
    with pytest.MonkeyPatch.context() as patch:  # only the learner's side is patched
        patch.setattr(torch, "is_tensor", lambda value: False)
        patch.setattr(torch.Tensor, "detach", lambda self: torch.zeros(1))
        tree, tensors = _facts.collect(
            {"x": torch.full((2,), 7.0)}, setup={}, stdout="", recorded={}
        )
        _facts.dump(str(tmp_path / "f.pt"), tree, tensors)
    tree, tensors = _facts.read(str(tmp_path / "f.pt"))
    got, _ = _facts.restore(tree, tensors, setup={}, classes=lambda n: None)
    assert torch.equal(got["x"], torch.full((2,), 7.0))


def test_facts_nested_too_deeply_are_a_named_error(tmp_path: Path) -> None:
    import json

    path = tmp_path / _facts.FACTS_FILE
    torch.save({"tree": "[" * 100_000 + "]" * 100_000, "tensors": []}, path)
    with pytest.raises(_facts.FactsError, match="nested too deeply"):
        _facts.read(str(path))
    torch.save({"tree": json.dumps({"format": 1}), "tensors": []}, path)
    with pytest.raises(_facts.FactsError, match="tensor table"):
        _facts.read(str(path))
