/* Draws the workflow diagram from the Mermaid text in <pre class="mermaid">.
 *
 * The site's Content Security Policy allows styles only from its own files (style-src 'self'):
 * the <style> element and the style="" attributes that Mermaid puts into its SVG would be
 * blocked, and the diagram would be drawn black. So instead of startOnLoad, each diagram is
 * rendered to a string (mermaid.render), parsed into an inert document, and before it is put
 * into the page its <style> text becomes a constructed stylesheet (document.adoptedStyleSheets)
 * and each style attribute is set through element.style — both CSSOM, which the policy allows.
 * While Mermaid measures text it renders once into the page without its styles (the browser
 * logs those blocked styles; caseflow-case.css keeps the measurement right).
 */
(function () {
  'use strict';
  if (typeof window.mermaid === 'undefined') { return; }

  function adoptStyles(css) {
    if (!css) { return; }
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
  }

  function withStyles(root) {
    return [root].concat(Array.prototype.slice.call(root.querySelectorAll('[style]')))
      .filter(function (el) { return el.hasAttribute('style'); });
  }

  function place(pre, svgText) {
    var svg = new DOMParser().parseFromString(svgText, 'image/svg+xml').documentElement;
    if (svg.nodeName.toLowerCase() !== 'svg') { throw new Error('Mermaid did not return an SVG'); }
    var css = '';
    Array.prototype.slice.call(svg.querySelectorAll('style')).forEach(function (el) {
      css += el.textContent;
      el.remove();
    });
    var inline = withStyles(svg).map(function (el, i) {
      var text = el.getAttribute('style');
      el.removeAttribute('style');
      el.setAttribute('data-cf-style', String(i));
      return text;
    });
    adoptStyles(css);
    var node = document.importNode(svg, true);
    [node].concat(Array.prototype.slice.call(node.querySelectorAll('[data-cf-style]')))
      .forEach(function (el) {
        var i = el.getAttribute('data-cf-style');
        if (i === null) { return; }
        el.style.cssText = inline[Number(i)];
        el.removeAttribute('data-cf-style');
      });
    var figure = document.createElement('div');
    figure.className = 'cf-diagram';
    figure.appendChild(node);
    pre.replaceWith(figure);
  }

  window.mermaid.initialize({
    startOnLoad: false,
    securityLevel: 'strict',
    fontFamily: window.getComputedStyle(document.body).fontFamily
  });
  Array.prototype.slice.call(document.querySelectorAll('pre.mermaid')).forEach(function (pre, i) {
    window.mermaid.render('cf-diagram-' + i, pre.textContent)
      .then(function (result) { place(pre, result.svg); })
      .catch(function () {
        var note = pre.parentNode.querySelector('[data-cf-diagram-error]');
        if (note) { note.hidden = false; }
      });
  });
})();
