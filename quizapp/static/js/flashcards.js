// Keyboard study: Space flips the card, 1-4 rate it. Without JavaScript the page still works.
(function () {
  "use strict";
  const reveal = document.getElementById("reveal");
  const form = document.getElementById("rating-form");
  if (!reveal || !form) return;
  const shownAt = Date.now();
  form.addEventListener("submit", function () {
    const field = form.querySelector("input[name=duration_ms]");
    if (field) field.value = String(Date.now() - shownAt);
    form.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
  });
  document.addEventListener("keydown", function (event) {
    if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === " " || event.key === "Spacebar") {
      event.preventDefault();
      reveal.open = !reveal.open;
    } else if (["1", "2", "3", "4"].includes(event.key)) {
      const button = form.querySelector('button[name=rating][value="' + event.key + '"]');
      if (button) { event.preventDefault(); form.requestSubmit(button); }
    }
  });
})();
