"""Pure rendering: a score record and badge parameters in, SVG or PNG bytes out.

No Flask, no database, no network. ``layout`` decides what is shown and where (a ``Scene``);
``svg`` and ``png`` only draw that scene, so both formats always agree.
"""

from widget.render.params import BadgeParams, parse_badge_params
from widget.render.png import render_error_png, render_png
from widget.render.svg import badge_size, render_error_svg, render_svg

__all__ = [
    "BadgeParams",
    "badge_size",
    "parse_badge_params",
    "render_error_png",
    "render_error_svg",
    "render_png",
    "render_svg",
]
