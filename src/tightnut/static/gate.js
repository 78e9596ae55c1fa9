// The depot board refreshes its rows every few seconds (htmx polling of the rows partial).
// A refresh must not undo what the dispatcher was doing: reasons they opened stay open, and
// the control that had the focus keeps it.
(function () {
  "use strict";
  var kept = null;

  function isBoard(event) {
    var target = event.detail && event.detail.target;
    return target && target.id === "board-live";
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!isBoard(event)) { return; }
    var live = event.detail.target;
    var focused = document.activeElement;
    kept = {
      open: Array.prototype.map.call(live.querySelectorAll("details[open]"), function (d) { return d.id; }),
      focus: focused && live.contains(focused) ? focusKey(focused) : null
    };
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!kept) { return; }
    kept.open.forEach(function (id) {
      var details = id && document.getElementById(id);
      if (details) { details.open = true; }
    });
    if (kept.focus) {
      var again = document.querySelector(kept.focus);
      if (again) { again.focus({ preventScroll: true }); }
    }
    kept = null;
  });

  // A CSS selector that finds the same control in the fresh rows.
  function focusKey(element) {
    var row = element.closest("tr[id]");
    var details = element.closest("details[id]");
    if (element.tagName === "SUMMARY" && details) { return "#" + details.id + " > summary"; }
    if (row && element.tagName === "BUTTON") { return "#" + row.id + " button"; }
    if (row && element.tagName === "A" && element.getAttribute("href")) {
      return "#" + row.id + ' a[href="' + element.getAttribute("href") + '"]';
    }
    if (element.classList.contains("count")) {
      return '#board-live a.count[href="' + element.getAttribute("href") + '"]';
    }
    return null;
  }
})();
