// The stylesheet. STYLE is a constant the build fills in (widget/tools/build_widget_js.py):
// style.css, minified, followed by one rule per palette role of widget/render/colors.py and
// theme (light by default, .dark, .auto under prefers-color-scheme: dark), so a widget and the
// image it replaces share one palette.
/* global STYLE */

/** One constructable stylesheet, shared by every widget's shadow root (no inline styles, so
    a strict Content-Security-Policy without 'unsafe-inline' allows it). */
export const stylesheet = () => {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(STYLE);
  return sheet;
};
