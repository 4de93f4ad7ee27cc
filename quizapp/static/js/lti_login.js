// The LTI login page: keep state and nonce where this browser can read them back at
// launch, then continue to the platform's authorization endpoint. Where nothing can keep
// them inside the frame, offer a new window (there cookies are first-party).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("lti-login-data").textContent);
  const storage = window.quizappLtiStorage;
  const status = document.getElementById("lti-status");

  async function savedOnPlatform() {
    if (!data.storageTarget) return false;
    try {
      const platform = storage.platform(data.storageTarget, data.platformOrigin);
      await platform.put(storage.stateKey(data.state), data.state);
      await platform.put(storage.nonceKey(data.nonce), data.nonce);
      return true;
    } catch (error) {
      return false;
    }
  }

  async function cookieWorks() {
    try {
      const reply = await fetch(data.cookieCheckUrl, { credentials: "same-origin" });
      return (await reply.json()).ok === true;
    } catch (error) {
      return false;
    }
  }

  async function run() {
    const onPlatform = await savedOnPlatform();
    const inTab = storage.tab.put(data.state, data.nonce);
    if (onPlatform || inTab || (await cookieWorks())) {
      window.location.replace(data.authUrl);
      return;
    }
    status.textContent = "Your browser blocks storage for quizapp inside this page.";
    const framed = window.top !== window.self;
    document.getElementById(framed && !data.framedRetry ? "lti-new-window" : "lti-blocked").hidden = false;
  }

  document.getElementById("lti-new-window-link").addEventListener("click", function () {
    status.textContent = "quizapp opened in a new window. You can close this message.";
  });
  run();
})();
