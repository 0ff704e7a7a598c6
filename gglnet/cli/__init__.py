"""The ``gglnet`` command line: one module per subcommand, one error boundary.

Each module in :data:`COMMANDS` defines ``add_parser(subparsers)`` that registers its
subcommand and sets ``func`` (a callable taking the parsed ``argparse.Namespace`` and returning
an exit code) as the parser default. Commands raise library errors and never print them:
:func:`main` is the single place that turns the known ones (:data:`KNOWN_ERRORS`: bad values,
missing, corrupt or existing files, unavailable devices, refused overwrites) into one line
``gglnet <command>: error: <message>`` and exit status 1, without a traceback (``--debug``
shows it).
"""

from __future__ import annotations

import argparse
import importlib
import sys

import torch

from gglnet import __version__

COMMANDS: tuple[str, ...] = ("demo", "train", "evaluate", "predict", "benchmark", "export", "hub")

KNOWN_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    TypeError,
    OSError,
    FloatingPointError,
    ImportError,
    torch.cuda.OutOfMemoryError,
)
"""Errors reported as one line: what the library raises for bad input or a bad environment."""


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="gglnet",
        description="GGL-Net infrared small target detection: demo, train, evaluate, predict.",
    )
    parser.add_argument("--version", action="version", version=f"gglnet {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an error (any command)"
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"gglnet.cli.{name}").add_parser(subparsers)
    for name, command in subparsers.choices.items():
        command.set_defaults(command=name)
        # SUPPRESS: given after the command it sets debug; absent, it keeps the top level's.
        command.add_argument(
            "--debug",
            action="store_true",
            default=argparse.SUPPRESS,
            help="show the traceback of an error",
        )
    return parser


def error_message(error: BaseException) -> str:
    """One line for an error: its message with line breaks folded, the file named."""
    if isinstance(error, OSError) and error.strerror and error.filename:
        text = f"{error.strerror}: {error.filename}"
    else:
        text = str(error) or type(error).__name__
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gglnet`` command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KNOWN_ERRORS as error:
        if args.debug:
            raise
        print(f"gglnet {args.command}: error: {error_message(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"gglnet {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
