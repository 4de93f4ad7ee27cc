// The launch check when the state cookie did not come back: read state and nonce from
// where the login page kept them (the platform's storage, or this tab's), and post them to
// quizapp, which compares them with what it issued. Only a page of quizapp's own origin can
// post this form (the server checks), so another site cannot answer for this browser.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("lti-launch-data").textContent);
  const storage = window.quizappLtiStorage;
  const form = document.getElementById("lti-verify");

  async function fromPlatform() {
    if (!data.storageTarget) return null;
    try {
      const platform = storage.platform(data.storageTarget, data.platformOrigin);
      const state = await platform.get(storage.stateKey(data.state));
      const nonce = await platform.get(storage.nonceKey(data.nonce));
      return state === data.state && nonce === data.nonce ? { state: state, nonce: nonce } : null;
    } catch (error) {
      return null;
    }
  }

  async function run() {
    let found = await fromPlatform();
    const inTab = storage.tab.take(data.state);
    if (!found && inTab === data.nonce) found = { state: data.state, nonce: inTab };
    form.elements.stored_state.value = found ? found.state : "";
    form.elements.stored_nonce.value = found ? found.nonce : "";
    form.submit();
  }

  run();
})();
