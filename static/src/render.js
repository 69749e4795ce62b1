// Rendering: the record's card (or compact badge) scene, drawn as SVG in a closed shadow root
// on a span that takes the image's box (same size, display and vertical alignment, so nothing
// on the page moves); then the image is hidden and the link gets the scene's accessible name.
// The scene is the one the badge image and the /embed card are drawn from (render/scenejson.py):
// rects, polygons and texts, colours as #rrggbb or as palette roles the stylesheet themes.
const NS = 'http://www.w3.org/2000/svg';

/** A new SVG element under parent, with the given attributes (null ones left out) and text. */
const el = (tag, parent, attrs, text) => {
  const e = parent.appendChild(document.createElementNS(NS, tag));
  for (const name in attrs) if (attrs[name] != null) e.setAttribute(name, attrs[name]);
  if (text != null) e.textContent = text;
  return e;
};

/** Paint attrs with a colour: #rrggbb as is, a palette role as a class (s-prefixed: stroke). */
const paint = (attrs, color, stroke) => {
  if (color) {
    if (color[0] == '#') attrs[stroke ? 'stroke' : 'fill'] = color;
    else attrs.class = (attrs.class || '') + (stroke ? ' s' : ' ') + color;
  }
  return attrs;
};

export const renderer = (sheet) => (a, d) => {
  const {layout, theme} = a.dataset, scene = d.card[layout == 'card' ? 'card' : 'compact'];
  const img = a.querySelector('img'), shown = getComputedStyle(img);
  const host = a.appendChild(document.createElement('span'));
  const root = host.attachShadow({mode: 'closed'});
  root.adoptedStyleSheets = [sheet];
  const svg = el('svg', root, {width: scene.w, height: scene.h, class: theme});
  for (const [kind, x, y, ...more] of scene.items) {
    if (kind == 'r') {
      const [width, height, fill, rx, stroke] = more;
      el('rect', svg, paint(paint({x, y, width, height, rx}, fill), stroke, 1));
    } else if (kind == 'p') {
      el('polygon', svg, paint({points: x}, y));
    } else {
      const [text, size, weight, fill, anchor, textLength, shadow] = more;
      const t = {x, y, 'font-size': size, 'font-weight': weight, 'text-anchor': anchor, textLength};
      if (shadow) {
        el('text', svg, paint({...t, y: y + 1, 'fill-opacity': 0.3, 'aria-hidden': true}, shadow), text);
      }
      el('text', svg, paint(t, fill), text);
    }
  }
  Object.assign(host.style, {
    width: img.width + 'px',
    height: img.height + 'px',
    display: shown.display.replace('inline', ''),
    verticalAlign: shown.verticalAlign,
  });
  img.style.display = 'none';
  a.ariaLabel = scene.title;
};
