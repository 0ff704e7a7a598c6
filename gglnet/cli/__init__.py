"""The ``gglnet`` command line: one module per subcommand.

Each module in :data:`COMMANDS` defines ``add_parser(subparsers)`` that registers its
subcommand and sets ``func`` (a callable taking the parsed ``argparse.Namespace`` and returning
an exit code) as the parser default.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from gglnet import __version__

COMMANDS: tuple[str, ...] = ("demo", "train", "evaluate", "predict", "benchmark", "hub")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="gglnet",
        description="GGL-Net infrared small target detection: demo, train, evaluate, predict.",
    )
    parser.add_argument("--version", action="version", version=f"gglnet {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"gglnet.cli.{name}").add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gglnet`` command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
