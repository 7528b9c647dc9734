// Pan and zoom for the server-drawn cluster graph (fraudlink's own code,
// no library): drag to pan, wheel or buttons to zoom, by changing the
// SVG's viewBox. Links inside the graph keep working: a press that does
// not move is a click.
(function () {
  "use strict";
  var svg = document.getElementById("cluster-graph");
  if (!svg) { return; }
  var start = svg.getAttribute("viewBox").split(/\s+/).map(Number);
  var vb = start.slice();
  function apply() { svg.setAttribute("viewBox", vb.join(" ")); }
  function zoomAt(factor, cx, cy) {
    var w = vb[2] * factor, h = vb[3] * factor;
    // Keep the point under the cursor where it is.
    vb[0] = cx - (cx - vb[0]) * factor;
    vb[1] = cy - (cy - vb[1]) * factor;
    vb[2] = w; vb[3] = h;
    apply();
  }
  function toGraph(evt) {
    var r = svg.getBoundingClientRect();
    var scale = Math.max(vb[2] / r.width, vb[3] / r.height);
    // preserveAspectRatio xMidYMid meet centres the drawing.
    var offx = (r.width * scale - vb[2]) / 2, offy = (r.height * scale - vb[3]) / 2;
    return [vb[0] - offx + (evt.clientX - r.left) * scale, vb[1] - offy + (evt.clientY - r.top) * scale, scale];
  }
  svg.addEventListener("wheel", function (evt) {
    evt.preventDefault();
    var p = toGraph(evt);
    zoomAt(evt.deltaY < 0 ? 0.85 : 1 / 0.85, p[0], p[1]);
  }, { passive: false });
  var drag = null;
  svg.addEventListener("pointerdown", function (evt) {
    drag = { x: evt.clientX, y: evt.clientY, vb: vb.slice(), moved: false };
  });
  window.addEventListener("pointermove", function (evt) {
    if (!drag) { return; }
    var dx = evt.clientX - drag.x, dy = evt.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 4) { drag.moved = true; svg.classList.add("panning"); }
    if (!drag.moved) { return; }
    var scale = toGraph(evt)[2];
    vb[0] = drag.vb[0] - dx * scale;
    vb[1] = drag.vb[1] - dy * scale;
    apply();
  });
  window.addEventListener("pointerup", function () {
    if (drag && drag.moved) {
      // Swallow the click that ends a drag, so panning never opens a node.
      svg.addEventListener("click", function stop(e) { e.preventDefault(); e.stopPropagation(); svg.removeEventListener("click", stop, true); }, true);
    }
    drag = null;
    svg.classList.remove("panning");
  });
  document.querySelectorAll("[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      var what = b.getAttribute("data-zoom");
      var cx = vb[0] + vb[2] / 2, cy = vb[1] + vb[3] / 2;
      if (what === "in") { zoomAt(0.8, cx, cy); }
      else if (what === "out") { zoomAt(1.25, cx, cy); }
      else { vb = start.slice(); apply(); }
    });
  });
  svg.setAttribute("data-ready", "1");
})();
