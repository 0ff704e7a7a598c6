"""Eager vs optimized GGL-Net inference, side by side: ``gglnet benchmark`` as a script.

Usage:
    python benchmarks/bench_inference.py [--device cpu|cuda] [--sizes 256 512]
        [--batches 1 16] [--repeats N] [--json out.json] [--quick]

All options: ``python benchmarks/bench_inference.py --help``. Results and the machine they
were measured on are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import sys

from gglnet.cli import main

if __name__ == "__main__":
    sys.exit(main(["benchmark", *sys.argv[1:]]))
