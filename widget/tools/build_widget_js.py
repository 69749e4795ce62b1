"""Build ``static/widget.js`` from the readable modules in ``static/src/``.

    npm ci --prefix static/src          # once: esbuild, pinned in static/src/package-lock.json
    python -m widget.tools.build_widget_js [--out PATH] [--check]

esbuild minifies ``style.css``, then bundles ``main.js`` and its imports into one minified
IIFE, with two constants filled in: ``STYLE`` (that CSS) and ``BANDS`` (the score bands of
``widget.render.colors``, so the widget and the badge images it replaces share one palette).
Node and esbuild are needed only here: the built file is committed and served as is. The
output depends only on the sources, the palette and the pinned esbuild, so a rebuild can be
compared byte for byte (``--check``, and tests/test_widget_js.py).
"""
from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

from widget.render.colors import BANDS

ROOT = Path(__file__).resolve().parent.parent.parent
SRC = ROOT / "static" / "src"
DEFAULT_OUT = ROOT / "static" / "widget.js"
ENTRY, STYLESHEET = "main.js", "style.css"
# Browsers with constructable stylesheets (adoptedStyleSheets) and closed shadow roots.
TARGET = "chrome100,firefox101,safari16.4"
BANNER = "// Generated from static/src by python -m widget.tools.build_widget_js"


class BuildError(RuntimeError):
    """esbuild is missing or failed."""


def esbuild() -> str:
    """The esbuild that ``npm ci --prefix static/src`` installed (never a global one: its
    version is part of the output)."""
    found = shutil.which("esbuild", path=str(SRC / "node_modules" / ".bin"))
    if found is None:
        raise BuildError(f"esbuild is not installed in {SRC}: run npm ci --prefix static/src")
    return found


def _run(*args: str) -> str:
    done = subprocess.run([esbuild(), *args], cwd=SRC, capture_output=True, text=True,
                          encoding="utf-8", timeout=120)
    if done.returncode != 0:
        raise BuildError(f"esbuild {' '.join(args[:1])} failed:\n{done.stderr}")
    return done.stdout


def bands() -> list[list]:
    """The palette as the widget reads it: ``[highest score, colour]`` pairs, lowest first."""
    return [[high, color] for _, high, color in BANDS]


def build() -> bytes:
    """The bytes of widget.js."""
    style = _run(STYLESHEET, "--minify", f"--target={TARGET}").strip()
    js = _run(ENTRY, "--bundle", "--minify", "--format=iife", f"--target={TARGET}",
              "--charset=ascii", "--legal-comments=none", f"--banner:js={BANNER}",
              "--define:STYLE=" + json.dumps(style),
              "--define:BANDS=" + json.dumps(bands(), separators=(",", ":")))
    return js.encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m widget.tools.build_widget_js",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output file (default: static/widget.js)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; fail if the output file differs from a rebuild")
    args = parser.parse_args(argv)
    try:
        data = build()
    except BuildError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    if args.check:
        if not args.out.exists() or args.out.read_bytes() != data:
            sys.stderr.write(f"{args.out} is out of date: run python -m "
                             "widget.tools.build_widget_js\n")
            return 1
        return 0
    args.out.write_bytes(data)
    packed = len(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"wrote {args.out}: {len(data):,} bytes, {packed:,} bytes gzip -9")
    return 0


if __name__ == "__main__":
    sys.exit(main())
