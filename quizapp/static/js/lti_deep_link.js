// Deep linking: post the signed response back to the LMS right away (the button remains
// for browsers without JavaScript).
(function () {
  "use strict";
  const form = document.getElementById("deep-link-return");
  if (form) form.submit();
})();
