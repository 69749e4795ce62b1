"""Compile the message catalogs: each ``messages.po`` under ``widget/data/locale`` to the
``messages.mo`` beside it, which is what Babel (and Flask-Babel) read at run time.

    python -m widget.tools.build_catalogs [--check]

``--check`` writes nothing and fails when a ``.mo`` is missing or differs from a fresh
compile, or when a catalog lacks a translation of a message the renderers use
(``widget.render.i18n.MESSAGES``) or the pages use (extracted from ``widget/templates`` and
``widget/web`` with Babel's extractors: every ``_()``/``gettext()`` of a literal). The output
depends only on the ``.po`` files, so the compiled files are committed and compared byte for
byte (tests/test_render_i18n.py).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.extract import extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from widget.render.i18n import DEFAULT, DOMAIN, LANGUAGES, LOCALE_DIR, MESSAGES

PACKAGE = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None}
RENDER_KEYWORDS = {"gettext": (2,)}  # widget.render.i18n.gettext(lang, message, **values)


def page_messages() -> list[str]:
    """Every message the pages translate, in order of first use: the templates' ``_()``
    calls, the web layer's ``gettext()`` calls and the renderers' ``i18n.gettext(lang, ...)``
    calls (the profile's history chart) with a literal message. (The messages in
    templates/notify are mail, sent in English where a catalog lacks them: not required.)"""
    found: dict[str, None] = {}
    sources = [(babel_extract, p, KEYWORDS) for p in sorted((PACKAGE / "templates").glob("*.html"))]
    sources += [("python", p, KEYWORDS) for p in sorted((PACKAGE / "web").glob("*.py"))]
    sources += [("python", p, RENDER_KEYWORDS) for p in sorted((PACKAGE / "render").glob("*.py"))]
    for method, path, keywords in sources:
        with path.open("rb") as fh:
            for _, message, _, _ in extract(method, fh, keywords=keywords):
                if isinstance(message, str):
                    found.setdefault(message)
    return list(found)


def messages() -> list[str]:
    """What every catalog must translate: the renderers' messages and the pages'."""
    return list(dict.fromkeys([*MESSAGES, *page_messages()]))


def po_path(lang: str, root: Path = LOCALE_DIR) -> Path:
    return root / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_po(path: Path, wanted: list[str] | None = None) -> tuple[bytes, list[str]]:
    """(.mo bytes, messages of ``wanted`` (default: ``messages()``) left untranslated)."""
    with path.open("rb") as fh:
        cat = read_po(fh)
    wanted = messages() if wanted is None else wanted
    missing = [m for m in wanted if not (cat.get(m) and cat.get(m).string)]
    out = io.BytesIO()
    write_mo(out, cat, use_fuzzy=False)
    return out.getvalue(), missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m widget.tools.build_catalogs", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; fail if a .mo is out of date or a message missing",
    )
    parser.add_argument("--root", type=Path, default=LOCALE_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    problems = []
    wanted = messages()
    for lang in LANGUAGES:
        if lang == DEFAULT:
            continue
        po = po_path(lang, args.root)
        if not po.exists():
            problems.append(f"{po} is missing")
            continue
        data, missing = compile_po(po, wanted)
        problems += [f"{po}: no translation of {m!r}" for m in missing]
        mo = po.with_suffix(".mo")
        if args.check:
            if not mo.exists() or mo.read_bytes() != data:
                problems.append(f"{mo} is out of date: run python -m widget.tools.build_catalogs")
        else:
            mo.write_bytes(data)
    for problem in problems:
        sys.stderr.write(problem + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
