// Rendering: a closed shadow root on a span that takes the image's box (same size, display
// and vertical alignment, so nothing on the page moves), then the image is hidden and the link
// gets an accessible name. data-layout is compact (label and score) or card (name, score, a
// bar per component, topics); data-theme is light, dark or auto; data-topics how many topics.
import {band} from './theme.js';

const COMPONENTS = ['true_reach', 'amplification', 'network_influence'];
const TRACK = '#8883'; // the empty part of a component bar

/** A new tag element with the given text, appended to parent. */
const el = (tag, parent, textContent) =>
  parent.appendChild(Object.assign(document.createElement(tag), {textContent}));

export const renderer = (sheet) => (a, d) => {
  const {layout, theme, topics} = a.dataset;
  const img = a.querySelector('img'), shown = getComputedStyle(img);
  const root = el('span', a).attachShadow({mode: 'closed'}), box = el('section', root);
  root.adoptedStyleSheets = [sheet];
  box.className = layout + ' ' + theme;
  if (layout != 'card') el('span', box, 'influence');
  el('b', box, d.score).style.background = band(d.score);
  if (layout == 'card') {
    el('header', box, d.display_name);
    for (const name of COMPONENTS) {
      const row = el('div', box, name.replace('_', ' ')), n = d.components[name].score;
      el('i', row).style.background = `linear-gradient(90deg,${band(n)} ${n}%,${TRACK} 0)`;
      row.append(n);
    }
    el('p', box, d.topics.slice(0, topics).map((t) => t.name).join(' · '));
  }
  Object.assign(root.host.style, {
    width: img.width + 'px',
    height: img.height + 'px',
    display: shown.display.replace('inline', ''),
    verticalAlign: shown.verticalAlign,
  });
  img.style.display = 'none';
  a.ariaLabel = d.display_name + ': influence ' + d.score;
};
