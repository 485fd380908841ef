// Progressive enhancement for the theme heat maps: where JavaScript runs, render the page's
// Vega-Lite spec (the same one the static SVG was drawn from) with vega-embed, for tooltips.
// Vega's expressions run through vega-interpreter (ast: true), so the page needs no
// 'unsafe-eval' in its Content Security Policy. Any failure leaves the static SVG in place.
import { expressionInterpreter } from '../../vendor/js/vega-interpreter.js';

for (const figure of document.querySelectorAll('[data-kh-heatmap]')) {
  const source = document.getElementById(figure.dataset.khHeatmap);
  if (!source || typeof window.vegaEmbed !== 'function') continue;
  const target = document.createElement('div');
  target.className = 'kh-heatmap__interactive';
  window.vegaEmbed(target, JSON.parse(source.textContent), {
    ast: true,
    expr: expressionInterpreter,
    actions: false,
    defaultStyle: false,
    renderer: 'svg',
    tooltip: { disableDefaultStyle: true },
  }).then((result) => {
    const img = figure.querySelector('img');
    const svg = target.querySelector('canvas, svg');
    if (svg && img) {
      svg.setAttribute('role', 'img');
      svg.setAttribute('aria-label', img.alt);
    }
    figure.replaceChildren(target);
    figure.dataset.khHeatmapReady = 'true';
    return result;
  }).catch((error) => {
    console.warn('heat map stays static:', error);
  });
}
