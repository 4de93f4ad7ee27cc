// Posting a form by fetch and showing the server's reply in place of the current page. The
// request carries a header that asks for the page a redirect would lead to, so a rating or an
// answer takes one request instead of a POST and a redirected GET. Without this script (or
// when fetch fails) the forms still work as plain forms: the server redirects as usual.
// Used by flashcards.js and answer.js.
window.QuizappSwap = (function () {
  "use strict";
  const NEXT_PAGE_HEADER = "X-Quizapp-Next-Page";

  function supported() { return Boolean(window.fetch && window.DOMParser); }

  function show(html) {
    const next = new DOMParser().parseFromString(html, "text/html");
    const main = next.getElementById("content");
    if (!main) throw new Error("no page content in the reply");
    document.getElementById("content").replaceWith(document.adoptNode(main));
    const header = next.querySelector("header.site");
    const oldHeader = document.querySelector("header.site");
    if (header && oldHeader) oldHeader.replaceWith(document.adoptNode(header));
    document.title = next.title;
  }

  // Focus what the new page would have focused (or the given element), so a screen reader
  // reads it and the keyboard carries on from there.
  function focus(element) {
    const target = element || document.querySelector("#content [autofocus]") ||
      document.getElementById("content");
    if (!target.matches("a, button, input, select, textarea")) target.setAttribute("tabindex", "-1");
    target.focus();
  }

  // Resolves true once the reply is shown, false when the server sent the learner elsewhere
  // (signed out, say) and the browser is going there; rejects when the post failed.
  function post(form, body) {
    const headers = {};
    headers[NEXT_PAGE_HEADER] = "1";
    return fetch(form.action, { method: "POST", body: body, headers: headers, credentials: "same-origin" })
      .then(function (response) {
        if (response.redirected) { window.location.assign(response.url); return false; }
        // 400 is the app's own page for a refused answer or rating: shown as the plain
        // form's reply would be. Anything else is sent again as a plain form.
        if (!response.ok && response.status !== 400) throw new Error("HTTP " + response.status);
        return response.text().then(function (html) { show(html); return true; });
      });
  }

  return { supported: supported, post: post, focus: focus };
})();
