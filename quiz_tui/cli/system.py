"""Commands about this machine and its settings: config and doctor."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from quiz_tui import __version__
from quiz_tui.cli._common import Settings, common_options
from quiz_tui.cli._main import main
from quiz_tui.console import echo
from quiz_tui.core.state import paths
from quiz_tui.core.state.config import save_config_value
from quiz_tui.core.state.data import real_cifar_problem

# -- config ----------------------------------------------------------------------

CONFIG_KEYS = click.Choice(["lang", "device", "data_dir"])


def _config_report(settings: Settings) -> dict[str, Any]:
    from quiz_tui.core.content.packs import user_packs_root
    from quiz_tui.core.state.config import config_path
    from quiz_tui.core.state.progress import default_path

    config = settings.config
    values = {"lang": config.lang, "device": config.device, "data_dir": config.data_dir}
    return {
        "version": 1,
        "paths": {
            "config": str(config_path()),
            "progress": str(default_path()),
            "packs": str(user_packs_root()),
            "cache": str(paths.cache_dir()),
        },
        "config_exists": config_path().is_file(),
        "settings": {
            key: {
                "value": None if value is None else str(value),
                "from": config.origins.get(key, "default"),
            }
            for key, value in values.items()
        },
        "problems": list(config.problems),
    }


@main.group("config", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@common_options
@click.pass_context
def config_group(ctx: click.Context, settings: Settings, as_json: bool) -> None:
    """Where quiz-tui keeps its files, and your settings (get or set one).

    Settings live in config.toml; QUIZ_TUI_LANG, QUIZ_TUI_DEVICE and
    QUIZ_TUI_DATA_DIR override it, and --lang, --device and --data-dir override both.
    """
    ctx.obj = settings
    if ctx.invoked_subcommand is not None:
        return
    report = _config_report(settings)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    where = report["paths"]
    missing = "" if report["config_exists"] else click.style("  (not created yet)", dim=True)
    echo(f"config file  {where['config']}{missing}")
    echo(f"progress     {where['progress']}")
    echo(f"your packs   {where['packs']}")
    echo(f"cache        {where['cache']}  (the practice set, the worker log)")
    echo()
    for key, item in report["settings"].items():
        value = item["value"] if item["value"] is not None else "-"
        source = "not set: the practice set" if item["value"] is None else item["from"]
        echo(f"{key:<9} {value:<8} " + click.style(f"({source})", dim=True))


@config_group.command("path")
def config_path_command() -> None:
    """Print the path of config.toml (e.g. `$EDITOR "$(quiz-tui config path)"`)."""
    from quiz_tui.core.state.config import config_path

    click.echo(str(config_path()))


@config_group.command("get")
@click.argument("key", type=CONFIG_KEYS)
@click.option("--json", "as_json", is_flag=True, help="The value and where it comes from.")
@common_options
def config_get(settings: Settings, key: str, as_json: bool) -> None:
    """Print the value of KEY in use (exit 1 when it is not set)."""
    item = _config_report(settings)["settings"][key]
    if as_json:
        click.echo(json.dumps({"version": 1, "key": key, **item}, ensure_ascii=False))
    elif item["value"] is not None:
        click.echo(item["value"])
    sys.exit(0 if item["value"] is not None else 1)


@config_group.command("set")
@click.argument("key", type=CONFIG_KEYS)
@click.argument("value")
def config_set(key: str, value: str) -> None:
    """Set KEY to VALUE in config.toml, keeping its comments and layout.

    \b
    lang      en or zh
    device    auto, cpu or cuda
    data_dir  a folder that holds real CIFAR-10 (quiz-tui data download)
    """
    from quiz_tui.core import messages
    from quiz_tui.core.state.config import DEVICES, ENV, ConfigError

    if key == "lang" and not messages.known(value):
        known = ", ".join(messages.languages())
        raise click.BadParameter(f"{value!r} is not one of {known}", param_hint="VALUE")
    if key == "device" and value not in DEVICES:
        raise click.BadParameter(
            f"{value!r} is not one of {', '.join(DEVICES)}", param_hint="VALUE"
        )
    if key == "data_dir":
        folder = Path(value).expanduser().resolve()
        problem = real_cifar_problem(folder)
        if problem:
            raise click.BadParameter(problem, param_hint="VALUE")
        value = str(folder)
    try:
        path = save_config_value(key, value)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    echo(f"{key} = {value}  (in {path})")
    if os.environ.get(ENV[key]):
        echo(
            click.style(f"note: {ENV[key]} is set and overrides it in this shell", fg="yellow"),
            err=True,
        )


@config_group.command("unset")
@click.argument("key", type=CONFIG_KEYS)
def config_unset(key: str) -> None:
    """Remove KEY from config.toml: its default applies again."""
    from quiz_tui.core.state.config import ConfigError, config_path, remove_config_value

    try:
        removed = remove_config_value(key)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if removed:
        echo(f"removed {key} from {config_path()}")
    else:
        echo(f"{key} is not set in {config_path()}")


# -- doctor ----------------------------------------------------------------------


@main.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def doctor_command(as_json: bool) -> None:
    """Show which protections this machine gives a check, tested for real."""
    from importlib.metadata import PackageNotFoundError, version

    from quiz_tui.core.execution.confine import PROBE_CHECKS, probe_protections

    try:
        textual = version("textual")
    except PackageNotFoundError:
        textual = "not installed"
    probe = probe_protections()
    checks = probe.get("checks", {})
    protections = [
        {"name": name, "label": label, **checks[name]}
        for name, label in PROBE_CHECKS.items()
        if name in checks
    ]
    sandbox = probe.get("sandbox", {})
    if as_json:
        report = {
            "version": 1,
            "quiz_tui": __version__,
            "python": sys.version.split()[0],
            "textual": textual,
            "landlock_abi": probe.get("abi", 0),
            "namespaces": probe.get("namespaces", []),
            "protections": protections,
            "describe": probe.get("describe", []),
            "sandbox": sandbox,
            "error": probe.get("error"),
        }
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    echo(f"quiz-tui {__version__}, Python {sys.version.split()[0]}, Textual {textual}")
    if "error" in probe:
        echo(click.style(f"✗ {probe['error']}", fg="red"))
    namespaces = ", ".join(probe.get("namespaces", [])) or "none"
    echo(f"Checks run with Landlock ABI {probe.get('abi', 0)}; namespaces: {namespaces}")
    for p in protections:
        mark = click.style("✓", fg="green") if p["ok"] else click.style("✗", fg="red")
        echo(f"  {mark} {p['label']} ({p['detail']})")
    cgroup_v = sandbox.get("cgroup_version", 0)
    here = f"cgroup v{cgroup_v}" if cgroup_v else "no cgroups"
    limits = {
        "cgroup": "the kernel enforces memory and task limits "
        + ("(cgroup v2, delegated)" if cgroup_v == 2 else f"({here}, writable)"),
        "watch": "memory and tasks are watched by polling ("
        + (
            "QUIZ_TUI_SANDBOX=watch"
            if os.environ.get("QUIZ_TUI_SANDBOX") == "watch"
            else "no delegated cgroup v2 or writable cgroup v1"
        )
        + f"; this machine has {here})",
    }
    name = sandbox.get("name", "?")
    echo(f"Sandbox: {name} — {limits.get(name, name)}")
