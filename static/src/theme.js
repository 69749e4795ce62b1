// Colours and the stylesheet. BANDS and STYLE are constants the build fills in
// (widget/tools/build_widget_js.py): BANDS is the badge palette of widget/render/colors.py as
// [highest score, colour] pairs, lowest first, so a widget and the image it replaces agree;
// STYLE is style.css, minified.
/* global BANDS, STYLE */
const bands = BANDS;

/** The band colour of a 1-100 number (above 100: the top band), as band_color() in Python. */
export const band = (n) => (bands.find(([high]) => n <= high) || bands[bands.length - 1])[1];

/** One constructable stylesheet, shared by every widget's shadow root (no inline styles, so
    a strict Content-Security-Policy without 'unsafe-inline' allows it). */
export const stylesheet = () => {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(STYLE);
  return sheet;
};
