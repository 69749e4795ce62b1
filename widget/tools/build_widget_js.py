"""Build ``static/widget.js`` from the readable modules in ``static/src/``.

    npm ci --prefix static/src          # once: esbuild, pinned in static/src/package-lock.json
    python -m widget.tools.build_widget_js [--out PATH] [--check]

esbuild minifies ``style.css``, then bundles ``main.js`` and its imports into one minified
IIFE, with one constant filled in: ``STYLE``, that CSS followed by the font family and one rule
per palette role of ``widget.render.colors.THEMES`` and theme (:func:`palette_css`), so the
widget and the badge images it replaces share one palette. Everything else the widget draws
(positions, texts, band colours) comes with each account's JSON (``render/scenejson.py``).
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

from widget.render.colors import THEMES
from widget.render.text import FONT_FAMILY

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
    done = subprocess.run(
        [esbuild(), *args], cwd=SRC, capture_output=True, text=True, encoding="utf-8", timeout=120
    )
    if done.returncode != 0:
        raise BuildError(f"esbuild {' '.join(args[:1])} failed:\n{done.stderr}")
    return done.stdout


FILLS = ("label", "background", "text", "muted", "track")  # roles scenes use as a fill
STROKES = ("border",)  # roles used as a stroke colour (class "s" + role)


def _short(color: str) -> str:
    """``#ffffff`` -> ``#fff`` where CSS allows (every byte is downloaded by every page)."""
    c = color.lower()
    return "#" + c[1::2] if c[1] == c[2] and c[3] == c[4] and c[5] == c[6] else c


def palette_css() -> str:
    """Fill rules per role (``.text{fill:#1f2328}``; strokes: ``.sborder``), light by default,
    dark under ``.dark`` and, for ``.auto``, under ``prefers-color-scheme: dark``."""

    def rules(theme: str, scope: str) -> str:
        palette = THEMES[theme]
        out = [f"{scope}.{role}{{fill:{_short(getattr(palette, role))}}}" for role in FILLS]
        out += [f"{scope}.s{role}{{stroke:{_short(getattr(palette, role))}}}" for role in STROKES]
        return "".join(out)

    return (
        f"svg{{font-family:{FONT_FAMILY};text-rendering:geometricPrecision}}"
        + rules("light", "")
        + rules("dark", ".dark ")
        + "@media (prefers-color-scheme:dark){"
        + rules("dark", ".auto ")
        + "}"
    )


def build() -> bytes:
    """The bytes of widget.js."""
    style = _run(STYLESHEET, "--minify", f"--target={TARGET}").strip() + palette_css()
    js = _run(
        ENTRY,
        "--bundle",
        "--minify",
        "--format=iife",
        f"--target={TARGET}",
        "--charset=ascii",
        "--legal-comments=none",
        f"--banner:js={BANNER}",
        "--define:STYLE=" + json.dumps(style),
    )
    return js.encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m widget.tools.build_widget_js", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output file (default: static/widget.js)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; fail if the output file differs from a rebuild",
    )
    args = parser.parse_args(argv)
    try:
        data = build()
    except BuildError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    if args.check:
        if not args.out.exists() or args.out.read_bytes() != data:
            sys.stderr.write(
                f"{args.out} is out of date: run python -m widget.tools.build_widget_js\n"
            )
            return 1
        return 0
    args.out.write_bytes(data)
    packed = len(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"wrote {args.out}: {len(data):,} bytes, {packed:,} bytes gzip -9")
    return 0


if __name__ == "__main__":
    sys.exit(main())
