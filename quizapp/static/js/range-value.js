// Sliders show their value: keep each <output for="..."> next to a range input up to date.
(function () {
  "use strict";
  document.querySelectorAll("output.range-value").forEach(function (output) {
    const input = document.getElementById(output.htmlFor.value);
    if (!input) return;
    input.addEventListener("input", function () {
      const value = Number(input.value);
      output.value = Number.isFinite(value) ? value.toFixed(2) : input.value;
    });
  });
})();
