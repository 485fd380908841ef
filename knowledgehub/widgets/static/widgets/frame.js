/* Inside a Knowledge Hub widget: tell the embedding page how tall the widget is, so embed.js
   can size its iframe. Only a height is sent, so any parent may receive it. No eval, no inline. */
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var last = -1;
  function send() {
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: "knowledgehub:height", height: height }, "*");
    }
  }
  if ("ResizeObserver" in window) {
    new window.ResizeObserver(send).observe(document.body);
  } else {
    window.addEventListener("resize", send);
  }
  window.addEventListener("load", send);
  send();
})();
