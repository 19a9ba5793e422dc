"""Terraform layout in the terraform-aws-modules manner: files, pins, typed and described inputs."""

import re

import pytest

from tests.deploy.tfconfig import MODULES, STACKS, blocks_of, modules, stacks

MODULE_CONFIGS = modules()
STACK_CONFIGS = stacks()
EVERYTHING = {**MODULE_CONFIGS, **{f"stacks/{k}": v for k, v in STACK_CONFIGS.items()}}
PIN = ">= 5.70, < 6.0"


@pytest.mark.parametrize("module", sorted(MODULE_CONFIGS))
def test_module_files(module: str) -> None:
    directory = MODULES / module
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (directory / name).is_file(), f"{module} lacks {name}"
    assert list((directory / "tests").glob("*.tftest.hcl")), f"{module} has no terraform test"


# Modules wiring other modules together (the stacks' one call) rather than wrapping resources.
COMPOSITIONS = {"upwatch"}


@pytest.mark.parametrize("module", sorted(set(MODULE_CONFIGS) - COMPOSITIONS))
def test_main_resource_is_named_this(module: str) -> None:
    assert any(r.name == "this" for r in MODULE_CONFIGS[module].resources)
    assert MODULE_CONFIGS[module].modules == {}, f"{module} calls modules"


@pytest.mark.parametrize("module", sorted(COMPOSITIONS))
def test_compositions_call_sibling_modules(module: str) -> None:
    calls = MODULE_CONFIGS[module].modules
    assert calls
    for name, call in calls.items():
        source = str(call["source"])
        assert source.startswith("../"), name
        assert (MODULES / module / source).is_dir(), name


@pytest.mark.parametrize("where", sorted(EVERYTHING))
def test_provider_and_terraform_are_pinned(where: str) -> None:
    config = EVERYTHING[where]
    (terraform,) = config.terraform
    assert terraform.get("required_version"), f"{where}: no required_version"
    providers = blocks_of(terraform, "required_providers")
    assert providers[0]["aws"]["version"] == PIN


@pytest.mark.parametrize("where", sorted(EVERYTHING))
def test_variables_are_typed_and_described(where: str) -> None:
    for name, variable in EVERYTHING[where].variables.items():
        assert variable.get("type"), f"{where}: var.{name} has no type"
        assert len(str(variable.get("description", ""))) > 10, (
            f"{where}: var.{name} is not described"
        )


@pytest.mark.parametrize("where", sorted(EVERYTHING))
def test_outputs_are_described(where: str) -> None:
    outputs = EVERYTHING[where].outputs
    assert outputs, f"{where} has no outputs"
    for name, output in outputs.items():
        assert output.get("description"), f"{where}: output {name} is not described"


@pytest.mark.parametrize("module", sorted(MODULE_CONFIGS))
def test_modules_take_tags(module: str) -> None:
    tags = MODULE_CONFIGS[module].variables["tags"]
    assert tags["type"] == "${map(string)}"


@pytest.mark.parametrize("stack", sorted(STACK_CONFIGS))
def test_stack_state_is_remote_and_locked(stack: str) -> None:
    (terraform,) = STACK_CONFIGS[stack].terraform
    (backend,) = blocks_of(terraform, "backend")
    s3 = backend["s3"]
    assert s3["use_lockfile"] is True
    assert s3["encrypt"] is True
    assert s3["key"] == f"upwatch/{stack}/terraform.tfstate"


@pytest.mark.parametrize("stack", sorted(STACK_CONFIGS))
def test_stacks_have_tests_and_a_lock_file(stack: str) -> None:
    directory = STACKS / stack
    assert list((directory / "tests").glob("*.tftest.hcl"))
    lock = (directory / ".terraform.lock.hcl").read_text()
    assert re.search(r'provider "registry.terraform.io/hashicorp/aws"', lock)


@pytest.mark.parametrize("module", sorted(MODULE_CONFIGS))
def test_module_readme_documents_every_input_and_output(module: str) -> None:
    readme = (MODULES / module / "README.md").read_text()
    for name in MODULE_CONFIGS[module].variables:
        assert f"`{name}`" in readme, f"{module}/README.md does not document input {name}"
    for name in MODULE_CONFIGS[module].outputs:
        assert f"`{name}`" in readme, f"{module}/README.md does not document output {name}"
