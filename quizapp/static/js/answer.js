// A practice answer is posted by fetch; the reply, the question with its feedback, replaces
// the page in place (swap.js): immediate feedback in one request. Without JavaScript, or if
// the fetch fails, the form is submitted plainly and the server stores the answer once.
(function () {
  "use strict";
  let sent = false;

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches || !form.matches("form[data-answer-in-place]")) return;
    // One answer per question: a double click while the first is on its way is ignored.
    if (sent) { event.preventDefault(); return; }
    sent = true;
    if (!window.QuizappSwap || !QuizappSwap.supported()) return;
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form));
    QuizappSwap.post(form, body)
      .then(function (shown) {
        if (!shown) return;
        sent = false;  // the reply may be the question again, with what to correct
        QuizappSwap.focus();
      })
      // The form has a field named "submit", which hides the form's own submit method.
      .catch(function () { HTMLFormElement.prototype.submit.call(form); });
  });

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) sent = false;  // back to the question from the history cache
  });
})();
