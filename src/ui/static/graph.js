// The server-drawn cluster graph, made to move (fraudlink's own code, no
// library): drag to pan, wheel or buttons to zoom, by changing the SVG's
// viewBox; pointing at or tabbing to a node highlights it with its
// neighbours; the filter form applies itself when a choice changes.
// Nodes are links: a press that does not move is a click.
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

  // Panning. The click that ends a drag is swallowed, so panning never
  // opens a node; only that click: a drag released outside the graph
  // fires no click there, and the next real click must still work
  // (issue 22), so the guard lasts until the events of this release are
  // handled and no longer.
  var drag = null;
  var swallow = false;
  svg.addEventListener("pointerdown", function (evt) {
    if (evt.button !== 0) { return; }
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
  function release() {
    if (drag && drag.moved) {
      swallow = true;
      setTimeout(function () { swallow = false; }, 0);
    }
    drag = null;
    svg.classList.remove("panning");
  }
  window.addEventListener("pointerup", release);
  window.addEventListener("pointercancel", release);
  svg.addEventListener("click", function (e) {
    if (swallow) { e.preventDefault(); e.stopPropagation(); swallow = false; }
  }, true);

  document.querySelectorAll("[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      var what = b.getAttribute("data-zoom");
      var cx = vb[0] + vb[2] / 2, cy = vb[1] + vb[3] / 2;
      if (what === "in") { zoomAt(0.8, cx, cy); }
      else if (what === "out") { zoomAt(1.25, cx, cy); }
      else { vb = start.slice(); apply(); }
    });
  });

  // Neighbour highlight: a node, the nodes it shares a line with, and
  // those lines; the rest fades.
  var nodes = {};
  svg.querySelectorAll("[data-n]").forEach(function (n) { nodes[n.getAttribute("data-n")] = n; });
  var lines = {};
  svg.querySelectorAll("line[data-a]").forEach(function (l) {
    [l.getAttribute("data-a"), l.getAttribute("data-b")].forEach(function (k) {
      (lines[k] = lines[k] || []).push(l);
    });
  });
  var lit = [];
  function clear() {
    lit.forEach(function (el) { el.classList.remove("hl"); });
    lit = [];
    svg.classList.remove("dimmed");
  }
  function light(el) { el.classList.add("hl"); lit.push(el); }
  function highlight(node) {
    clear();
    var k = node.getAttribute("data-n");
    light(node);
    (lines[k] || []).forEach(function (l) {
      light(l);
      var other = l.getAttribute("data-a") === k ? l.getAttribute("data-b") : l.getAttribute("data-a");
      if (nodes[other]) { light(nodes[other]); }
    });
    svg.classList.add("dimmed");
  }
  function nodeOf(evt) { return evt.target.closest ? evt.target.closest("[data-n]") : null; }
  svg.addEventListener("pointerover", function (evt) { if (!drag) { var n = nodeOf(evt); if (n) { highlight(n); } } });
  svg.addEventListener("pointerout", function (evt) {
    if (!nodeOf(evt)) { return; }
    // Back to the node that has the keyboard focus, if any.
    var f = document.activeElement;
    var focused = f && svg.contains(f) && f.closest ? f.closest("[data-n]") : null;
    if (focused) { highlight(focused); } else { clear(); }
  });
  svg.addEventListener("focusin", function (evt) { var n = nodeOf(evt); if (n) { highlight(n); } });
  svg.addEventListener("focusout", clear);

  // The filter form applies itself when a box is ticked (dates wait for
  // the button: a half-typed year is a valid date too).
  var form = document.getElementById("graph-filters");
  if (form) {
    form.querySelectorAll("input[type=checkbox]").forEach(function (i) {
      i.addEventListener("change", function () { form.submit(); });
    });
  }
  svg.setAttribute("data-ready", "1");
})();
