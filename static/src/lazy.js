// Lazy loading: work(el) runs once, when el comes within MARGIN of the viewport, so widgets
// far below the fold cost nothing until the reader scrolls towards them.
const MARGIN = '200px';

export const lazily = (work) => {
  const io = new IntersectionObserver((entries) => {
    for (const {isIntersecting, target} of entries) {
      if (isIntersecting) {
        io.unobserve(target);
        work(target);
      }
    }
  }, {rootMargin: MARGIN});
  return (el) => io.observe(el);
};
