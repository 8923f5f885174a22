/* Scrolling tables (.table-responsive) that are wider than their space — a wide table on a
   phone — can be scrolled with the keyboard: while one actually scrolls it is a focusable region
   named after its table's caption (WCAG 2.1.1; axe's scrollable-region-focusable). A table that
   fits adds no tab stop. */
(function () {
  "use strict";
  function update() {
    document.querySelectorAll(".table-responsive").forEach(function (region) {
      var scrolls = region.scrollWidth > region.clientWidth;
      if (scrolls && !region.hasAttribute("tabindex")) {
        region.setAttribute("tabindex", "0");
        region.dataset.scrollRegion = "on";
        var caption = region.querySelector("caption");
        if (caption && !region.hasAttribute("aria-label")) {
          region.setAttribute("role", "region");
          region.setAttribute("aria-label", caption.textContent.replace(/\s+/g, " ").trim());
        }
      } else if (!scrolls && region.dataset.scrollRegion === "on") {
        region.removeAttribute("tabindex");
        region.removeAttribute("role");
        region.removeAttribute("aria-label");
        delete region.dataset.scrollRegion;
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
  window.addEventListener("resize", update);
  document.addEventListener("htmx:afterSettle", update);
})();
