/* Keys that work on every page. F2 (or Alt+N) opens the intake (登记来电) from anywhere, for the
 * users the navbar offers it to; on the intake page it puts the cursor back in the lookup box.
 * Chosen because no browser keeps them for itself (Ctrl+N, Ctrl+T and Ctrl+L are the browsers';
 * Alt+N is not a menu key in Chrome, Edge or Firefox): docs/decisions.md. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (e) {
    const f2 = e.key === "F2" && !e.ctrlKey && !e.altKey && !e.metaKey && !e.shiftKey;
    const altN = e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.code === "KeyN";
    if (!f2 && !altN) return;
    const link = document.querySelector("a[data-hotkey=intake]");
    if (!link) return;
    e.preventDefault();
    const lookup = document.getElementById("lookup");
    if (lookup) {
      lookup.focus();
      lookup.select();
    } else {
      window.location.href = link.href;
    }
  });
})();
