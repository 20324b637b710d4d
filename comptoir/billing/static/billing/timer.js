// Comptoir: the running time of the time panel's timer, refreshed every few seconds.
// Loaded from a file (no inline script: the pages run under a strict CSP). Without it the
// page still shows the minutes at load time, and stopping works as a plain form.
(function () {
  "use strict";
  function format(minutes) {
    var h = Math.floor(minutes / 60), m = minutes % 60;
    if (h === 0) return m + " min";
    if (m === 0) return h + " h";
    return h + " h " + (m < 10 ? "0" : "") + m;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-timer-since]").forEach(function (el) {
      var since = Date.parse(el.getAttribute("data-timer-since"));
      if (isNaN(since)) return;
      var minutes = Math.max(1, Math.ceil((now - since) / 60000));
      el.textContent = format(minutes);
    });
  }
  function start() {
    if (!document.querySelector("[data-timer-since]")) return;
    tick();
    window.setInterval(tick, 5000);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
