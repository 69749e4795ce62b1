// Influence Widget, SPEC "Embedding". InfluenceWidget.scan(root) finds widgets in root
window.InfluenceWidget ||= (() => {
  const api = new URL('api/v1/accounts/', document.currentScript.src);
  const css = new CSSStyleSheet(), jobs = {};
  css.replaceSync(`:host{display:inline-block;border-radius:3px;overflow:hidden}
section{color:#222;font:11px/20px sans-serif;background:#fff;box-sizing:border-box;height:100%}
.dark{color:#eee;background:#111}
@media(prefers-color-scheme:dark){.auto{color:#eee;background:#111}}
b,span{color:#fff;padding:0 5px;text-align:center;background:#555}
.compact{display:grid;grid:auto/1fr auto}
.card{padding:11px;border-radius:6px;border:1px solid #8886}
.card b{font:700 22px/46px sans-serif;float:right;width:46px}
header{font:700 14px sans-serif;height:58px;overflow:hidden}
div{align-items:center;gap:6px;display:grid;grid:auto/106px 1fr 24px}
i{border-radius:3px;height:6px}`);
  const band = (n) => ['#656d76', '#bc4c00', '#8f6200', '#4a7a0c', '#1a7f37', '#1a7f37'][n / 20 | 0];
  const el = (tag, to, textContent) =>
    to.appendChild(Object.assign(document.createElement(tag), {textContent}));
  const get = (id, again) => fetch(api + id, {credentials: 'omit'}).then((r) =>
    r.status == 202 ? !again && new Promise((ok) => setTimeout(() => ok(get(id, 1)), 2e3))
    : r.ok && r.json());

  const render = (a, d) => {
    const {layout, theme, topics} = a.dataset;
    const img = a.querySelector('img'), s = getComputedStyle(img);
    const root = el('span', a).attachShadow({mode: 'closed'}), box = el('section', root);
    root.adoptedStyleSheets = [css];
    box.className = layout + ' ' + theme;
    if (layout != 'card') el('span', box, 'influence');
    el('b', box, d.score).style.background = band(d.score);
    if (layout == 'card') {
      el('header', box, d.display_name);
      for (const k of ['true_reach', 'amplification', 'network_influence']) {
        const row = el('div', box, k.replace('_', ' ')), n = d.components[k].score;
        el('i', row).style.background = `linear-gradient(90deg,${band(n)} ${n}%,#8883 0)`;
        row.append(n);
      }
      el('p', box, d.topics.slice(0, topics).map((t) => t.name).join(' · '));
    }
    Object.assign(root.host.style, {width: img.width + 'px', height: img.height + 'px',
      display: s.display.replace('inline', ''), verticalAlign: s.verticalAlign});
    img.style.display = 'none';
    a.ariaLabel = d.display_name + ': influence ' + d.score;
  };

  const io = new IntersectionObserver((entries) => entries.forEach(({isIntersecting, target: a}) => {
    if (isIntersecting) {
      io.unobserve(a);
      (jobs[a.dataset.account] ||= get(a.dataset.account)).then((d) => d && render(a, d), () => {});
    }
  }), {rootMargin: '200px'});
  const scan = (root = document) => root.querySelectorAll('.influence-widget')
    .forEach((a) => a.iw || io.observe(a, a.iw = 1));
  new MutationObserver(() => scan()).observe(document, {childList: 1, subtree: 1});
  scan();
  return {scan};
})();
