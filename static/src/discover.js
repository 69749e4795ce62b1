// Finds placeholders: those in the page now, those added later (a MutationObserver on the
// document), and those under a root the page passes to InfluenceWidget.scan (a shadow root,
// which the observer cannot see). Each placeholder is handed to take() once.
const SELECTOR = '.influence-widget';

export const discover = (take) => {
  const seen = new WeakSet();
  const scan = (root = document) => root.querySelectorAll(SELECTOR).forEach((a) => {
    if (!seen.has(a)) {
      seen.add(a);
      take(a);
    }
  });
  new MutationObserver(() => scan()).observe(document, {childList: true, subtree: true});
  scan();
  return scan;
};
