// Dynamic registration is done: tell the LMS (which opened this page in a frame or a popup)
// to close it, as LTI Dynamic Registration §3.6 asks.
(function () {
  "use strict";
  const host = window.opener || (window.parent !== window ? window.parent : null);
  if (host) host.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
})();
