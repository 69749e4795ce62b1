// Influence Widget: the script behind <script async src="https://HOST/widget.js">.
// One script serves every placeholder on the page, <a class="influence-widget"
// data-account=ID data-layout=compact|card data-theme=light|dark|auto data-topics=N
// data-lang=LANG><img></a>: each one that comes near the viewport is replaced by a live score,
// in the image's box, and keeps its image when anything fails. Loaded twice, the second copy
// does nothing. python -m widget.tools.build_widget_js bundles these modules into
// static/widget.js.
import {accounts} from './accounts.js';
import {discover} from './discover.js';
import {lazily} from './lazy.js';
import {renderer} from './render.js';
import {stylesheet} from './theme.js';

window.InfluenceWidget ||= (() => {
  // The service is wherever this script came from; read now, currentScript is null later.
  const record = accounts(new URL('api/v1/accounts/', document.currentScript.src));
  const render = renderer(stylesheet());
  const show = (a) => record(a.dataset).then((d) => d && render(a, d), () => {});
  return {scan: discover(lazily(show))};
})();
