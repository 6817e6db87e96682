"""The ``mediamill`` command. One module per noun; each exposes ``register(subparsers)``.

To add a command, write ``cli/<noun>.py`` with ``register(subparsers)`` (each verb's parser
sets ``handler=`` to a function taking the parsed arguments and returning an exit status)
and add the module's name to ``COMMANDS``. Print with ``cli.output`` (tables, ``--json``);
raise ``MediamillError``s for failures: ``main`` turns every failure into one line on stderr
that names the full command (``mediamill keys revoke: error: ...``) and a non-zero exit
status; ``--debug`` shows the traceback as well.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

from mediamill import __version__, settings

#: The modules under ``mediamill.cli`` that add commands, in the order ``--help`` lists them.
COMMANDS = [
    "serve",
    "transcode",
    "sample",
    "presets",
    "pipelines",
    "jobs",
    "buckets",
    "users",
    "access_keys",
    "notifications",
    "triggers",
    "images",
    "doctor",
]

#: Commands that keep running and run untrusted work: their secrets leave the environment at
#: start (``settings.scrub_environment``), so no child process can read them from there.
LONG_RUNNING = frozenset({"serve", "worker"})


class HelpFormatter(argparse.HelpFormatter):
    """Adds "(default: X)" to an option's help, unless the default is nothing worth saying
    (off, empty, none) or the help already names it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or not action.option_strings
            or default in (None, False, "", argparse.SUPPRESS)
            or isinstance(default, list)
        ):
            return action.help
        return f"{text} (default: %(default)s)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mediamill",
        description="Self-hosted media processing, wire-compatible with AWS Elastic Transcoder.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mediamill {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the traceback of a failure (anywhere on the line)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        # Imported here, one by one, so `mediamill --help` stays fast and commands independent.
        importlib.import_module(f"mediamill.cli.{name}").register(subparsers)
    _name_commands(parser)
    return parser


def _name_commands(parser: argparse.ArgumentParser) -> None:
    """Give every (sub)command its full name (``keys revoke``) for error messages, and show
    defaults in every help text."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in set(action.choices.values()):
                sub.set_defaults(command_name=sub.prog.removeprefix("mediamill "))
                if sub.formatter_class is argparse.HelpFormatter:
                    sub.formatter_class = HelpFormatter
                _name_commands(sub)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # --debug is accepted anywhere before "--", so it can be added to the end of a command.
    end = arguments.index("--") if "--" in arguments else len(arguments)
    debug = "--debug" in arguments[:end] or os.environ.get("MEDIAMILL_DEBUG") == "1"
    arguments = [a for i, a in enumerate(arguments) if not (i < end and a == "--debug")]
    parser = build_parser()
    args = parser.parse_args(arguments)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    name = f"mediamill {getattr(args, 'command_name', args.command)}"
    if args.command in LONG_RUNNING:
        settings.scrub_environment()
    try:
        status: int = handler(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`mediamill presets list | head -1`): stop quietly, as
        # command-line tools killed by SIGPIPE do. Point stdout at nothing so the flush at exit
        # does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line for every failure; the traceback only on request
        from mediamill.cli.failures import describe

        if debug:
            traceback.print_exc()
        message, expected = describe(exc)
        hint = "" if expected or debug else " (run again with --debug for the traceback)"
        print(f"{name}: error: {message}{hint}", file=sys.stderr)
        return 1
    return status
