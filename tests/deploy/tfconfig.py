"""deploy/terraform parsed with python-hcl2, for the policy tests.

Strings come without their HCL quotes; expressions come as ``"${...}"`` strings; blocks come as
lists of dicts (a block may repeat), attributes as plain values.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "deploy" / "terraform"
MODULES = TERRAFORM / "modules"
STACKS = TERRAFORM / "stacks"
FIXTURES = Path(__file__).with_name("fixtures")

_OPTIONS = SerializationOptions(
    strip_string_quotes=True, explicit_blocks=False, with_comments=False
)

Body = dict[str, Any]


@dataclass(frozen=True)
class Resource:
    """A resource or data block."""

    type: str
    name: str
    body: Body
    file: Path

    @property
    def address(self) -> str:
        return f"{self.file.parent.name}/{self.file.name}: {self.type}.{self.name}"


@dataclass(frozen=True)
class Config:
    """The .tf files of one directory: a module or a stack."""

    path: Path
    blocks: dict[str, list[Body]] = field(default_factory=dict)
    texts: dict[Path, str] = field(default_factory=dict)
    parsed: dict[Path, Body] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    def _labelled(self, kind: str) -> Iterator[Resource]:
        for file, parsed in self._per_file():
            for entry in parsed.get(kind, []):
                for type_, named in entry.items():
                    for name, body in named.items():
                        yield Resource(type_, name, body, file)

    def _per_file(self) -> Iterator[tuple[Path, Body]]:
        yield from self.parsed.items()

    @property
    def resources(self) -> list[Resource]:
        return list(self._labelled("resource"))

    @property
    def data(self) -> list[Resource]:
        return list(self._labelled("data"))

    def resources_of(self, type_: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_]

    def resource(self, type_: str, name: str) -> Resource:
        for r in self.resources:
            if (r.type, r.name) == (type_, name):
                return r
        raise KeyError(f"{self.name}: no {type_}.{name}")

    def _named(self, kind: str) -> dict[str, Body]:
        named: dict[str, Body] = {}
        for entry in self.blocks.get(kind, []):
            named.update(entry)
        return named

    @property
    def modules(self) -> dict[str, Body]:
        return self._named("module")

    @property
    def variables(self) -> dict[str, Body]:
        return self._named("variable")

    @property
    def outputs(self) -> dict[str, Body]:
        return self._named("output")

    @property
    def locals(self) -> Body:
        merged: Body = {}
        for entry in self.blocks.get("locals", []):
            merged.update(entry)
        return merged

    @property
    def terraform(self) -> list[Body]:
        return self.blocks.get("terraform", [])

    @property
    def providers(self) -> list[tuple[str, Body]]:
        return [(n, b) for entry in self.blocks.get("provider", []) for n, b in entry.items()]

    @property
    def text(self) -> str:
        return "\n".join(self.texts.values())


def parse(text: str, path: Path = Path("snippet/main.tf")) -> Config:
    """A configuration from HCL text (for the tests that show a policy catches a violation)."""
    return _config(path.parent, {path: text})


def _config(directory: Path, texts: dict[Path, str]) -> Config:
    blocks: dict[str, list[Body]] = {}
    parsed = {
        path: hcl2.loads(text, serialization_options=_OPTIONS) for path, text in texts.items()
    }
    for document in parsed.values():
        for key, value in document.items():
            blocks.setdefault(key, []).extend(value if isinstance(value, list) else [value])
    return Config(directory, blocks, texts, parsed)


@cache
def load(directory: Path) -> Config:
    files = sorted(directory.glob("*.tf"))
    return _config(directory, {f: f.read_text() for f in files})


def modules() -> dict[str, Config]:
    return {d.name: load(d) for d in sorted(MODULES.iterdir()) if d.is_dir()}


def stacks() -> dict[str, Config]:
    return {d.name: load(d) for d in sorted(STACKS.iterdir()) if d.is_dir()}


def deployment(stack: Config) -> Config:
    """A stack with its `module "upwatch"` call expanded: what the stack deploys, for the policies.

    The blocks of modules/upwatch (its module calls, resources and locals), where each plain
    reference to one of its variables (``var.x`` or ``var.x.attribute``) is replaced by what the
    stack passes (or the variable's default), plus the stack's own locals and providers. So
    ``deployment(prod).modules["database"]["instance_count"]`` is prod's number, and a module call
    given ``tags = var.tags`` shows the stack's ``${local.tags}``.
    """
    calls = [call for call in stack.modules.values() if module_of(call) == "upwatch"]
    if len(calls) != 1:
        return stack
    module = load(MODULES / "upwatch")
    inputs: Body = {
        name: variable["default"]
        for name, variable in module.variables.items()
        if "default" in variable
    }
    inputs.update({k: v for k, v in calls[0].items() if k != "source"})
    blocks = {
        kind: [_resolve(body, inputs) for body in bodies]
        for kind, bodies in module.blocks.items()
        if kind not in ("variable", "output", "terraform")
    }
    blocks["locals"] = blocks.get("locals", []) + stack.blocks.get("locals", [])
    blocks["provider"] = stack.blocks.get("provider", [])
    parsed = {path: _resolve(document, inputs) for path, document in module.parsed.items()}
    return Config(stack.path, blocks, {**module.texts, **stack.texts}, parsed)


_VARIABLE = re.compile(r"\$\{var\.([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+)*)\}")


def _resolve(value: Any, inputs: Body) -> Any:
    if isinstance(value, dict):
        return {k: _resolve(v, inputs) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, inputs) for v in value]
    match = _VARIABLE.fullmatch(value) if isinstance(value, str) else None
    if match is None or match.group(1) not in inputs:
        return value
    resolved = inputs[match.group(1)]
    for attribute in filter(None, match.group(2).split(".")):
        if not isinstance(resolved, dict) or attribute not in resolved:
            return value
        resolved = resolved[attribute]
    return resolved


def module_of(call: Body) -> str:
    """The module directory name a module call's source points at."""
    return str(call["source"]).rstrip("/").rsplit("/", 1)[-1]


@cache
def taggable_types() -> frozenset[str]:
    document = json.loads((FIXTURES / "aws_taggable_resource_types.json").read_text())
    return frozenset(document["taggable"])


def blocks_of(body: Body, name: str) -> list[Body]:
    """A nested block (which may repeat) as a list; [] when absent."""
    value = body.get(name, [])
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)]


def references(value: object) -> set[str]:
    """Terraform references (var.x, local.y, module.z.out, aws_x.y.attr) inside a value."""
    text = json.dumps(value) if not isinstance(value, str) else value
    return set(
        re.findall(r"\b(?:var|local|module|data|aws_[a-z0-9_]+)\.[A-Za-z0-9_.\[\]\"-]+", text)
    )
