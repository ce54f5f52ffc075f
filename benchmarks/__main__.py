"""``python -m benchmarks [--sizes 10k,100k,1M] [--runs 5] [--out benchmarks/]``.

Generates the synthetic graphs into ``--data`` (benchmarks/data/, gitignored), measures
(see :mod:`benchmarks.harness`) and writes ``results.json`` and ``results.md`` into
``--out``. Progress goes to stderr; the Markdown table is printed at the end.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks import DATA_DIR, DEFAULT_SIZES, HERE, parse_size
from benchmarks.harness import EXPORT_FORMATS, Config, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark peacegraph against bare pyoxigraph and rdflib on synthetic "
                    "graphs shaped like the curated data.")
    parser.add_argument("--sizes", default=",".join(DEFAULT_SIZES),
                        help="comma-separated statement counts: 10k,100k,1M (default %(default)s)")
    parser.add_argument("--runs", type=int, default=5,
                        help="measured runs per measurement (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="discarded runs before them (default %(default)s)")
    parser.add_argument("--out", type=Path, default=HERE,
                        help="where results.json and results.md go (default benchmarks/)")
    parser.add_argument("--data", type=Path, default=DATA_DIR,
                        help="where generated graphs and scratch stores go "
                             "(default benchmarks/data/)")
    parser.add_argument("--timeout", type=float, default=90.0,
                        help="stop a single query, export or page render after this many "
                             "seconds (default %(default)s)")
    parser.add_argument("--rdflib-timeout", type=float, default=90.0,
                        help="stop a single rdflib query after this many seconds, or at 16x "
                             "peacegraph's time if sooner (default %(default)s)")
    parser.add_argument("--budget", type=float, default=45.0,
                        help="measured seconds per contestant before runs are cut "
                             "(default %(default)s)")
    parser.add_argument("--queries", default=None,
                        help="comma-separated saved queries to measure (default: all)")
    parser.add_argument("--formats", default=",".join(EXPORT_FORMATS),
                        help="formats to load (nt, ttl) and export (default %(default)s)")
    parser.add_argument("--no-app", action="store_true", help="skip the app measurement")
    parser.add_argument("--resume", action="store_true",
                        help="keep the sizes --out/results.json holds (measured with the same "
                             "settings) and measure only the others")
    args = parser.parse_args(argv)
    sizes = tuple(s.strip() for s in args.sizes.split(",") if s.strip())
    try:
        for size in sizes:
            parse_size(size)
    except ValueError as error:
        parser.error(str(error))
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup at least 0")
    config = Config(sizes=sizes, runs=args.runs, warmup=args.warmup, out=args.out,
                    data=args.data, timeout=args.timeout, rdflib_timeout=args.rdflib_timeout,
                    budget=args.budget, app=not args.no_app,
                    queries=_names(args.queries) if args.queries else None,
                    formats=_names(args.formats), resume=args.resume)
    run(config)
    sys.stdout.write((args.out / "results.md").read_text(encoding="utf-8"))
    return 0


def _names(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip())


if __name__ == "__main__":
    raise SystemExit(main())
