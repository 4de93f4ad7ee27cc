// Test-mode countdown; the server enforces the limit, this only shows it. The visible clock is
// silent for screen readers; a status message speaks at 5 minutes, 1 minute and 10 seconds left.
(function () {
  "use strict";
  const timer = document.getElementById("timer");
  if (!timer) return;
  const deadline = Date.parse(timer.dataset.deadline);
  const out = document.getElementById("time-left");
  const alert = document.getElementById("timer-alert");
  const warnings = [[300, "5 minutes left."], [60, "1 minute left."], [10, "10 seconds left."]];
  let spoken = null;
  function tick() {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    out.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    const warning = warnings.filter(function (w) { return left <= w[0]; }).pop();
    // Only a threshold crossed while the page is open is spoken, not the one it loaded in.
    if (spoken === null) spoken = warning ? warning[0] : Infinity;
    if (alert && warning && warning[0] < spoken) { spoken = warning[0]; alert.textContent = warning[1]; }
    if (left === 0) { clearInterval(handle); window.location.reload(); }
  }
  const handle = setInterval(tick, 1000);
  tick();
})();
