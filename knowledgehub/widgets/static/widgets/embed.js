/* Knowledge Hub widgets on any website.

   <div data-knowledgehub-widget="/widgets/themes/trending/"
        data-knowledgehub-title="Rising themes"></div>
   <script src="https://HUB/static/widgets/embed.js" async></script>

   Each such element becomes an iframe of that widget from the hub this script was loaded from
   (only paths under /widgets/ are accepted), with a title, lazy loading and a sandbox that lets
   links open in a new tab. The widgets report their height by postMessage; only messages from
   the hub's own origin and from one of these iframes are heeded. No eval, no inline code. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) {
    return;
  }
  var origin = new URL(script.src, window.location.href).origin;
  var SANDBOX = "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox";
  var MAX_HEIGHT = 4000;
  var frames = [];

  function widgetPath(value) {
    var url;
    try {
      url = new URL(value, origin);
    } catch (e) {
      return null;
    }
    if (url.origin !== origin || url.pathname.indexOf("/widgets/") !== 0) {
      return null;
    }
    return url.pathname + url.search;
  }

  function replace(element) {
    var path = widgetPath(element.getAttribute("data-knowledgehub-widget") || "");
    if (path === null) {
      return;
    }
    var frame = document.createElement("iframe");
    frame.src = origin + path;
    frame.title = element.getAttribute("data-knowledgehub-title") || "Knowledge Hub widget";
    frame.setAttribute("loading", "lazy");
    frame.setAttribute("sandbox", SANDBOX);
    frame.setAttribute("width", "100%");
    frame.setAttribute("height", element.getAttribute("data-knowledgehub-height") || "400");
    frame.setAttribute("data-knowledgehub-frame", "");
    frame.style.border = "0";
    frame.style.maxWidth = "100%";
    element.parentNode.replaceChild(frame, element);
    frames.push(frame);
  }

  function scan() {
    var found = document.querySelectorAll("[data-knowledgehub-widget]");
    for (var i = 0; i < found.length; i += 1) {
      replace(found[i]);
    }
    var existing = document.querySelectorAll("iframe[data-knowledgehub-frame]");
    for (var j = 0; j < existing.length; j += 1) {
      if (frames.indexOf(existing[j]) === -1) {
        frames.push(existing[j]);
      }
    }
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin) {
      return;
    }
    var data = event.data;
    if (!data || data.type !== "knowledgehub:height" || typeof data.height !== "number") {
      return;
    }
    for (var i = 0; i < frames.length; i += 1) {
      if (frames[i].contentWindow === event.source) {
        var height = Math.max(50, Math.min(MAX_HEIGHT, Math.ceil(data.height)));
        frames[i].setAttribute("height", String(height));
        return;
      }
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scan);
  } else {
    scan();
  }
})();
