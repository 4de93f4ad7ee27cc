// LTI client-side storage for state and nonce, so launches work where third-party cookies
// are blocked:
//  * the platform's storage frame (1EdTech LTI Client Side postMessages + postMessage
//    Storage: lti.capabilities, lti.put_data, lti.get_data), when the LMS sent
//    lti_storage_target with its login request;
//  * this tab's own sessionStorage (partitioned per top-level site, but still ours).
// Replies are accepted only from the platform's origin and for our own message ids.
window.quizappLtiStorage = (function () {
  "use strict";
  const TIMEOUT_MS = 1000;
  const PREFIXES = ["lti.", "org.imsglobal.lti."];

  function randomId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return "quizapp-" + Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function hostWindow() {
    if (window.opener && window.opener !== window) return window.opener;
    if (window.parent !== window) return window.parent;
    return null;
  }

  function send(target, targetOrigin, message, acceptOrigin) {
    return new Promise(function (resolve, reject) {
      const id = randomId();
      const request = Object.assign({}, message, { message_id: id });
      const timer = setTimeout(function () {
        window.removeEventListener("message", onMessage);
        reject({ code: "timeout", message: "no answer to " + message.subject });
      }, TIMEOUT_MS);
      function onMessage(event) {
        const data = event.data;
        if (!data || typeof data !== "object" || data.message_id !== id) return;
        if (data.subject !== message.subject + ".response") return;
        if (acceptOrigin !== "*" && event.origin !== acceptOrigin) return;
        clearTimeout(timer);
        window.removeEventListener("message", onMessage);
        if (data.error) reject(data.error); else resolve(data);
      }
      window.addEventListener("message", onMessage);
      try {
        target.postMessage(request, targetOrigin);
      } catch (error) {
        clearTimeout(timer);
        window.removeEventListener("message", onMessage);
        reject({ code: "unreachable", message: String(error) });
      }
    });
  }

  function frameNamed(host, name) {
    if (!name || name === "_parent") return host;
    try { return host.frames[name] || host; } catch (error) { return host; }
  }

  // Which frame and subjects serve a storage action ("put_data" or "get_data"): what the
  // platform's lti.capabilities reply names, else the lti_storage_target frame with the
  // spec's subject and then the older org.imsglobal.lti. one.
  async function routes(storageTarget, action) {
    const host = hostWindow();
    if (!host) throw { code: "no_platform", message: "not inside a platform window" };
    try {
      // Capabilities only say where to send; the data itself goes to the platform's origin.
      const caps = await send(host, "*", { subject: "lti.capabilities" }, "*");
      const found = (caps.supported_messages || []).find(function (m) {
        return PREFIXES.some(function (prefix) { return m.subject === prefix + action; });
      });
      if (found) return [{ frame: frameNamed(host, found.frame || storageTarget), subject: found.subject }];
    } catch (error) { /* no capabilities service: use the target the login named */ }
    const frame = frameNamed(host, storageTarget);
    return PREFIXES.map(function (prefix) { return { frame: frame, subject: prefix + action }; });
  }

  function platform(storageTarget, platformOrigin) {
    const known = {};
    async function call(action, message) {
      known[action] = known[action] || (await routes(storageTarget, action));
      let failure = null;
      for (const where of known[action]) {
        try {
          const reply = await send(where.frame, platformOrigin, Object.assign({ subject: where.subject }, message), platformOrigin);
          known[action] = [where];
          return reply;
        } catch (error) {
          failure = error;
          if (!error || error.code !== "timeout") break;
        }
      }
      throw failure;
    }
    return {
      put: function (key, value) { return call("put_data", { key: key, value: value }); },
      get: function (key) { return call("get_data", { key: key }).then(function (reply) { return reply.value; }); },
    };
  }

  const TAB_PREFIX = "quizapp-lti-state:";
  const tab = {
    put: function (state, nonce) {
      try {
        window.sessionStorage.setItem(TAB_PREFIX + state, nonce);
        return window.sessionStorage.getItem(TAB_PREFIX + state) === nonce;
      } catch (error) { return false; }
    },
    take: function (state) {
      try {
        const nonce = window.sessionStorage.getItem(TAB_PREFIX + state);
        window.sessionStorage.removeItem(TAB_PREFIX + state);
        return nonce;
      } catch (error) { return null; }
    },
  };

  return {
    platform: platform,
    tab: tab,
    stateKey: function (state) { return "quizapp_state_" + state; },
    nonceKey: function (nonce) { return "quizapp_nonce_" + nonce; },
  };
})();
