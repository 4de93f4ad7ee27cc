// Match game: click, tap or press Enter/Space on a term, then on its description. Timed; posts
// the time. Every message is shown and spoken (role=status), so a miss is not only a colour.
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
  function say(message) { status.textContent = message; }
  board.addEventListener("click", function (event) {
    const tile = event.target.closest(".tile");
    if (!tile || tile.disabled) return;
    if (!started) started = Date.now();
    if (tile === selected) { select(null); say("Nothing selected."); return; }
    if (!selected || selected.dataset.side === tile.dataset.side) {
      select(tile);
      say(tile.dataset.side === "left" ? "Now pick its description." : "Now pick its term.");
      return;
    }
    if (selected.dataset.pair === tile.dataset.pair) {
      [selected, tile].forEach(function (t) { t.disabled = true; t.classList.add("matched"); });
      select(null);
      left -= 1;
      if (left === 0) { say("All matched!"); finish(); return; }
      say("✔ Matched. " + left + " left.");
      // The matched tiles vanish: keep keyboard focus on the board, at the next term.
      const next = board.querySelector(".tile[data-side=left]:not(:disabled)");
      if (next) next.focus();
    } else {
      tile.classList.add("miss");
      say("✘ Not a pair. Try again.");
      setTimeout(function () { tile.classList.remove("miss"); }, 400);
      select(null);
    }
  });
  board.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && selected) { select(null); say("Nothing selected."); }
  });
  function finish() {
    clearInterval(timer);
    const elapsed = Date.now() - started;
    clock.textContent = (elapsed / 1000).toFixed(1);
    form.querySelector("input[name=elapsed_ms]").value = String(elapsed);
    form.submit();
  }
})();
