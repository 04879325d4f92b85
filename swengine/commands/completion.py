"""``swengine completion bash|zsh|fish``: a shell completion script, made from the argument parser itself so
it never falls behind the commands (``eval "$(swengine completion bash)"``)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

SHELLS = ("bash", "zsh", "fish")


@dataclass(frozen=True, slots=True)
class Option:
    flags: tuple[str, ...]
    help: str
    takes_value: bool
    choices: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    options: tuple[Option, ...]
    words: tuple[str, ...] = ()
    """Choices of its positional argument (``completion`` takes a shell name)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")


def describe(parser: argparse.ArgumentParser) -> tuple[tuple[Option, ...], tuple[Command, ...]]:
    """(global options, subcommands with their options) of a parser."""
    commands: list[Command] = []
    top: list[Option] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                words = tuple(
                    str(c) for a in sub._actions if not a.option_strings and a.choices for c in a.choices
                )
                commands.append(Command(name, helps.get(name, ""), _options(sub), words))
        elif action.option_strings:
            top.append(_option(action))
    return tuple(top), tuple(commands)


def _option(action: argparse.Action) -> Option:
    return Option(
        flags=tuple(action.option_strings),
        help=(action.help or "").replace("%(default)s", str(action.default)),
        takes_value=action.nargs != 0,
        choices=tuple(str(c) for c in action.choices) if action.choices else (),
    )


def _options(parser: argparse.ArgumentParser) -> tuple[Option, ...]:
    return tuple(_option(action) for action in parser._actions if action.option_strings)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def bash_script(top: tuple[Option, ...], commands: tuple[Command, ...]) -> str:
    cases = []
    for command in commands:
        flags = " ".join(flag for option in command.options for flag in option.flags)
        choices = [
            f"            {'|'.join(option.flags)}) COMPREPLY=($(compgen -W {_quote(' '.join(option.choices))}"
            ' -- "$cur")); return;;'
            for option in command.options
            if option.choices
        ]
        cases.append(
            f"        {command.name})\n"
            f'            case "$prev" in\n' + "".join(line + "\n" for line in choices) + "            esac\n"
            f'            if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W {_quote(flags)} -- "$cur"));\n'
            + (
                f'            else COMPREPLY=($(compgen -W {_quote(" ".join(command.words))} -- "$cur")); fi;;'
                if command.words
                else '            else COMPREPLY=($(compgen -f -- "$cur")); fi;;'
            )
        )
    names = " ".join(command.name for command in commands)
    top_flags = " ".join(flag for option in top for flag in option.flags)
    return f"""# bash completion for swengine: eval "$(swengine completion bash)"
_swengine() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}" command="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ "${{COMP_WORDS[i]}}" != -* ]]; then command="${{COMP_WORDS[i]}}"; break; fi
    done
    case "$command" in
        "") COMPREPLY=($(compgen -W {_quote(names + " " + top_flags)} -- "$cur"));;
{chr(10).join(cases)}
    esac
}}
complete -o filenames -F _swengine swengine
"""


def _zsh_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "'\\''").replace("[", "\\[").replace("]", "\\]")


def _zsh_spec(option: Option) -> str:
    value = ""
    if option.takes_value:
        value = f":value:({' '.join(option.choices)})" if option.choices else ":value:_files"
    return " ".join(f"'{flag}[{_zsh_text(option.help)}]{value}'" for flag in option.flags)


def zsh_script(top: tuple[Option, ...], commands: tuple[Command, ...]) -> str:
    described = "\n".join(f"        '{c.name}:{_zsh_text(c.help)}'" for c in commands)
    cases = "\n".join(
        f"        {c.name}) _arguments {' '.join(_zsh_spec(o) for o in c.options)} "
        + (f"'1:shell:({' '.join(c.words)})';;" if c.words else "'*:file:_files';;")
        for c in commands
    )
    return f"""#compdef swengine
# zsh completion for swengine: swengine completion zsh > "${{fpath[1]}}/_swengine"
_swengine() {{
    local -a commands
    commands=(
{described}
    )
    if (( CURRENT == 2 )); then
        _describe 'command' commands
        return
    fi
    case "$words[2]" in
{cases}
    esac
}}
compdef _swengine swengine
"""


def _fish_option(condition: str, option: Option) -> str:
    parts = ["complete -c swengine", f"-n {_quote(condition)}"]
    for flag in option.flags:
        parts.append(f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}")
    if option.choices:
        parts.append(f"-x -a {_quote(' '.join(option.choices))}")
    elif option.takes_value:
        parts.append("-r")
    parts.append(f"-d {_quote(option.help)}")
    return " ".join(parts)


def fish_script(top: tuple[Option, ...], commands: tuple[Command, ...]) -> str:
    lines = [
        "# fish completion for swengine: swengine completion fish > ~/.config/fish/completions/swengine.fish"
    ]
    lines.append("complete -c swengine -f")
    lines += [_fish_option("__fish_use_subcommand", option) for option in top]
    for command in commands:
        lines.append(
            f"complete -c swengine -n __fish_use_subcommand -a {command.name} -d {_quote(command.help)}"
        )
        condition = f"__fish_seen_subcommand_from {command.name}"
        lines += [_fish_option(condition, option) for option in command.options]
        if command.words:
            lines.append(
                f"complete -c swengine -n {_quote(condition)} -x -a {_quote(' '.join(command.words))}"
            )
        else:
            lines.append(f"complete -c swengine -n {_quote(condition)} -F")
    return "\n".join(lines) + "\n"


SCRIPTS = {"bash": bash_script, "zsh": zsh_script, "fish": fish_script}


def main(args: argparse.Namespace) -> int:
    top, commands = describe(args.parser)
    sys.stdout.write(SCRIPTS[args.shell](top, commands))
    return 0
