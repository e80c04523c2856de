"""The command reference, built from the commands themselves: `mbc help [COMMAND]` prints
one part of it, and `docs/commands.md` is all of it (`python -m mbc_lookup.reference >
docs/commands.md`; a test keeps the file current)."""

from __future__ import annotations

from typing import Any

WIDTH = 100  # help is wrapped at this width in the reference, whatever the terminal


def _commands(root: Any) -> dict[str, Any]:
    return {name: root.command.get_command(root, name) for name in root.command.list_commands(root)}


def help_text(root: Any, name: str | None = None) -> str:
    """The help of the whole tool (`name` None) or of one command, as --help prints it."""
    if name is None:
        return str(root.get_help()) + "\n"
    commands = _commands(root)
    if name not in commands:
        raise LookupError(f"no command {name!r}; commands: {', '.join(commands)}")
    command = commands[name]
    with command.make_context(name, [], parent=root, resilient_parsing=True) as context:
        return str(command.get_help(context)) + "\n"


def markdown() -> str:
    """docs/commands.md: every command's help, as `mbc help COMMAND` prints it."""
    import typer

    from .cli import app

    group = typer.main.get_command(app)
    with group.make_context(
        "mbc", [], resilient_parsing=True, terminal_width=WIDTH, max_content_width=WIDTH
    ) as root:
        parts = [
            "# mbc command reference",
            "",
            "Generated from the commands themselves by `python -m mbc_lookup.reference > docs/commands.md`;",
            "`tests/test_reference.py` fails when this file is out of date. `mbc help COMMAND` prints the",
            "same text.",
            "",
            "```text",
            help_text(root).rstrip("\n"),
            "```",
        ]
        for name in _commands(root):
            parts += ["", f"## mbc {name}", "", "```text", help_text(root, name).rstrip("\n"), "```"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(markdown())
