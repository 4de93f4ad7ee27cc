// Test-mode countdown; the server enforces the limit, this only shows it.
(function () {
  "use strict";
  const timer = document.getElementById("timer");
  if (!timer) return;
  const deadline = Date.parse(timer.dataset.deadline);
  const out = document.getElementById("time-left");
  function tick() {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    out.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    if (left === 0) { clearInterval(handle); window.location.reload(); }
  }
  const handle = setInterval(tick, 1000);
  tick();
})();
