// Keyboard study: Space flips the card, 1-4 rate it. A rating is posted by fetch and the reply
// is the next card's page, swapped in place (swap.js): one request per card instead of a POST
// and a redirected GET. Without JavaScript (or if fetch fails) the page still works as a plain
// form: the card is a <details>, the ratings are submit buttons, the server redirects.
(function () {
  "use strict";
  let shownAt = Date.now();
  let sent = false;

  function ratingForm() { return document.getElementById("rating-form"); }

  function setBusy(form, busy) {
    form.querySelectorAll("button").forEach(function (b) {
      if (busy) b.setAttribute("aria-disabled", "true"); else b.removeAttribute("aria-disabled");
    });
  }

  // The plain form submission, with the pressed button's rating: the server stores a rating
  // once even if the fetch that failed had reached it.
  function submitPlainly(form, rating) {
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = "rating";
    field.value = rating;
    form.appendChild(field);
    form.submit();
  }

  function showNextCard() {
    shownAt = Date.now();
    sent = false;
    // Focus the new card, so screen readers read it and Space flips it.
    QuizappSwap.focus(document.querySelector(".flashcard .front"));
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form !== ratingForm()) return;
    // One rating per card: a second key press or tap while the first is on its way is ignored.
    if (sent) { event.preventDefault(); return; }
    sent = true;
    const duration = form.querySelector("input[name=duration_ms]");
    if (duration) duration.value = String(Date.now() - shownAt);
    setBusy(form, true);
    const button = event.submitter;
    if (!window.QuizappSwap || !QuizappSwap.supported() || !button || button.name !== "rating") return;
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form));
    body.set("rating", button.value);
    QuizappSwap.post(form, body)
      .then(function (shown) { if (shown) showNextCard(); })
      .catch(function () { submitPlainly(form, button.value); });
  });

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;  // back to this page from the history cache: rate again
    sent = false;
    const form = ratingForm();
    if (form) setBusy(form, false);
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    const reveal = document.getElementById("reveal");
    const form = ratingForm();
    if (!reveal || !form) return;
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
