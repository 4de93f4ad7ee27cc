// Match game: click (or Enter/Space on) a term, then its description. Timed; posts the time.
(function () {
  "use strict";
  const board = document.getElementById("match-board");
  const form = document.getElementById("match-form");
  if (!board || !form) return;
  board.hidden = false;
  const clock = document.getElementById("match-time");
  const status = document.getElementById("match-status");
  let started = null, selected = null, left = board.querySelectorAll(".tile[data-side=left]").length;
  const timer = setInterval(function () {
    if (started) clock.textContent = ((Date.now() - started) / 1000).toFixed(1);
  }, 100);
  function select(tile) {
    if (selected) selected.setAttribute("aria-pressed", "false");
    selected = tile;
    if (tile) tile.setAttribute("aria-pressed", "true");
  }
  board.addEventListener("click", function (event) {
    const tile = event.target.closest(".tile");
    if (!tile || tile.disabled) return;
    if (!started) started = Date.now();
    if (!selected || selected.dataset.side === tile.dataset.side) { select(tile); return; }
    if (selected.dataset.pair === tile.dataset.pair) {
      [selected, tile].forEach(function (t) { t.disabled = true; t.classList.add("matched"); });
      select(null);
      left -= 1;
      status.textContent = "Matched. " + left + " left.";
      if (left === 0) finish();
    } else {
      tile.classList.add("miss");
      status.textContent = "Not a pair. Try again.";
      setTimeout(function () { tile.classList.remove("miss"); }, 400);
      select(null);
    }
  });
  function finish() {
    clearInterval(timer);
    const elapsed = Date.now() - started;
    clock.textContent = (elapsed / 1000).toFixed(1);
    form.querySelector("input[name=elapsed_ms]").value = String(elapsed);
    form.submit();
  }
})();
