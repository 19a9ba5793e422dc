"""Write (or --check) the generated part of every module README: inputs, outputs, resources.

The part between <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS --> is generated from the module's
variables.tf, outputs.tf and main.tf, in the manner of terraform-docs (which this machine cannot
fetch). The text around it is written by hand.

    python deploy/terraform/scripts/module_docs.py          # rewrite the READMEs
    python deploy/terraform/scripts/module_docs.py --check  # fail if one is out of date
"""

import json
import re
import sys
from pathlib import Path
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

MODULES = Path(__file__).resolve().parents[1] / "modules"
BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"
OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)


def _load(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    return hcl2.loads(path.read_text(), serialization_options=OPTIONS)


def _named(document: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    named: dict[str, dict[str, Any]] = {}
    for entry in document.get(kind, []):
        named.update(entry)
    return named


def _expr(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1]
    text = re.sub(r"\s+", " ", text)
    return text.replace("|", "\\|")


def _cell(text: str) -> str:
    return re.sub(r"\s+", " ", text).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def generate(module: Path) -> str:
    variables = _named(_load(module / "variables.tf"), "variable")
    outputs = _named(_load(module / "outputs.tf"), "output")
    versions = _load(module / "versions.tf").get("terraform", [{}])[0]
    provider = versions.get("required_providers", [{}])[0].get("aws", {})
    resources = []
    for name in sorted(module.glob("*.tf")):
        for entry in _load(name).get("resource", []):
            for type_, named in entry.items():
                resources += [f"{type_}.{n}" for n in named]

    lines = [
        BEGIN,
        "## Requirements",
        "",
        "| Name | Version |",
        "|------|---------|",
        f"| terraform | `{versions.get('required_version', '')}` |",
        f"| aws | `{provider.get('version', '')}` |",
        "",
        "## Resources",
        "",
        *[f"- `{r}`" for r in sorted(set(resources))],
        "",
        "## Inputs",
        "",
        "| Name | Description | Type | Default | Required |",
        "|------|-------------|------|---------|:--------:|",
    ]
    for name in sorted(variables, key=lambda n: ("default" in variables[n], n)):
        v = variables[name]
        required = "default" not in v
        default = "n/a" if required else f"`{_expr(v['default'])}`"
        lines.append(
            f"| `{name}` | {_cell(str(v.get('description', '')))} | `{_expr(v.get('type', 'any'))}` "
            f"| {default} | {'yes' if required else 'no'} |"
        )
    lines += ["", "## Outputs", "", "| Name | Description |", "|------|-------------|"]
    for name in sorted(outputs):
        lines.append(f"| `{name}` | {_cell(str(outputs[name].get('description', '')))} |")
    lines.append(END)
    return "\n".join(lines)


def update(readme: Path, generated: str) -> str:
    text = readme.read_text() if readme.exists() else f"# {readme.parent.name}\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + generated + tail


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for module in sorted(p for p in MODULES.iterdir() if p.is_dir()):
        readme = module / "README.md"
        wanted = update(readme, generate(module))
        if readme.exists() and readme.read_text() == wanted:
            continue
        if check:
            stale.append(str(readme.relative_to(MODULES.parents[2])))
        else:
            readme.write_text(wanted)
            print(f"wrote {readme.relative_to(MODULES.parents[2])}")
    if stale:
        print("out of date (run python deploy/terraform/scripts/module_docs.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
