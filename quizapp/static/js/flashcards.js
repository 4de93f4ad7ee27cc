// Keyboard study: Space flips the card, 1-4 rate it. Without JavaScript the page still works:
// the card is a <details>, the ratings are submit buttons (tap or click them).
(function () {
  "use strict";
  const reveal = document.getElementById("reveal");
  const form = document.getElementById("rating-form");
  if (!reveal || !form) return;
  const shownAt = Date.now();
  let sent = false;
  form.addEventListener("submit", function (event) {
    // One rating per card: a second key press or tap while the first is on its way is ignored.
    if (sent) { event.preventDefault(); return; }
    sent = true;
    const field = form.querySelector("input[name=duration_ms]");
    if (field) field.value = String(Date.now() - shownAt);
    form.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;  // back to this page from the history cache: rate again
    sent = false;
    form.querySelectorAll("button").forEach(function (b) { b.removeAttribute("aria-disabled"); });
  });
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    if (event.key === " " || event.key === "Spacebar") {
      // Space on a focused button or the "Show answer" summary does what it always does.
      if (target.closest("button, summary")) return;
      event.preventDefault();
      reveal.open = !reveal.open;
    } else if (["1", "2", "3", "4"].includes(event.key)) {
      const button = form.querySelector('button[name=rating][value="' + event.key + '"]');
      if (button) { event.preventDefault(); form.requestSubmit(button); }
    }
  });
})();
