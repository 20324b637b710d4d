// Comptoir: keyboard shortcuts, no inline script anywhere (the pages run under a strict CSP).
// "/" focuses the search box, "n" opens the new-ticket page, "j"/"k" move through list rows,
// Enter opens the selected row.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  var row = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-row-link]")); }
  function select(i) {
    var all = rows();
    if (!all.length) return;
    row = Math.max(0, Math.min(all.length - 1, i));
    all.forEach(function (r, k) { r.classList.toggle("selected", k === row); });
    all[row].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(document.activeElement)) return;
    if (e.key === "/") {
      var box = document.querySelector("[data-search]");
      if (box) { e.preventDefault(); box.focus(); }
    } else if (e.key === "n") {
      var link = document.querySelector("[data-new-ticket]");
      if (link) { e.preventDefault(); window.location = link.href; }
    } else if (e.key === "j") { select(row + 1); }
    else if (e.key === "k") { select(row - 1); }
    else if (e.key === "Enter" && row >= 0) {
      var r = rows()[row];
      if (r) window.location = r.getAttribute("data-row-link");
    }
  });
  document.addEventListener("click", function (e) {
    var tr = e.target.closest && e.target.closest("[data-row-link]");
    if (tr && !e.target.closest("a,button,input,select,textarea")) {
      window.location = tr.getAttribute("data-row-link");
    }
  });
})();
