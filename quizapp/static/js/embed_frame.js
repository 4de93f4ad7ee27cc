// Inside another site's frame: tell the parent how tall the page is, so an LMS (Canvas's
// lti.frameResize) or a host page can size the frame to fit. Does nothing at top level.
(function () {
  "use strict";
  if (window.parent === window) return;
  let last = 0;
  function report() {
    const height = Math.ceil(document.documentElement.scrollHeight);
    if (height === last) return;
    last = height;
    // Only a height is sent, so any origin may read it.
    window.parent.postMessage({ subject: "lti.frameResize", height: height }, "*");
    window.parent.postMessage({ subject: "quizapp.frameResize", height: height }, "*");
  }
  window.addEventListener("load", report);
  window.addEventListener("resize", report);
  if ("ResizeObserver" in window) new ResizeObserver(report).observe(document.body);
  document.addEventListener("toggle", report, true);
})();
