// The graph of `palisade netpol -o html`: it reads the data Palisade embedded in the page
// (positions computed in Go) and draws it as SVG. Every name is set as text, never as markup.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var NODE_W = 170, NODE_H = 28, LABEL_MAX = 26;
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var svg = document.getElementById("graph");
  var panel = document.getElementById("panel");

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function html(name, text, parent, cls) {
    var e = document.createElement(name);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function short(s) { return s.length > LABEL_MAX ? s.slice(0, LABEL_MAX - 1) + "\u2026" : s; }

  // Heading and banner.
  var summary = data.nodes.length + " workloads and address ranges, " + data.edges.length + " connections";
  data.filter.forEach(function (f) { summary += ", --" + f.flag + " " + f.value; });
  document.getElementById("summary").textContent = summary;
  var banner = document.getElementById("banner");
  if (data.omitted.edges > 0 || data.omitted.nodes > 0) {
    html("p", "This page leaves out " + data.omitted.edges + " connections and " + data.omitted.nodes +
      " workloads past its limits; narrow it with --from, --to or --port.", banner);
  }
  data.warnings.forEach(function (w) { html("p", "warning: " + w, banner); });
  data.errors.forEach(function (e) { html("p", "error: " + e, banner); });
  banner.hidden = banner.childNodes.length === 0;

  // Drawing.
  var view = { x: 0, y: 0, w: Math.max(data.width, 200), h: Math.max(data.height, 120) };
  function setView() { svg.setAttribute("viewBox", view.x + " " + view.y + " " + view.w + " " + view.h); }
  setView();
  var defs = el("defs", {}, svg);
  var marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "9", markerHeight: "9", markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" }, defs);
  el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#7d8ea3" }, marker);
  var gGroups = el("g", { "class": "groups" }, svg);
  var gEdges = el("g", { "class": "edges" }, svg);
  var gNodes = el("g", { "class": "nodes" }, svg);

  var groupEls = data.groups.map(function (g) {
    var e = el("g", { "class": g.outside ? "ns outside" : "ns" }, gGroups);
    el("rect", { x: g.x, y: g.y, width: g.w, height: g.h }, e);
    var t = el("text", { x: g.x + 10, y: g.y + 18 }, e);
    t.textContent = g.outside ? g.name : "namespace " + g.name;
    return e;
  });

  // clip moves p towards q until it leaves the box of the node at p.
  function clip(p, q) {
    var dx = q.x - p.x, dy = q.y - p.y;
    var t = Math.min(dx ? (NODE_W / 2) / Math.abs(dx) : Infinity, dy ? (NODE_H / 2 + 2) / Math.abs(dy) : Infinity, 1);
    return { x: p.x + dx * t, y: p.y + dy * t };
  }
  var edgeEls = data.edges.map(function (e, i) {
    var s = data.nodes[e.src], d = data.nodes[e.dst];
    var mx = (s.x + d.x) / 2, my = (s.y + d.y) / 2, dx = d.x - s.x, dy = d.y - s.y;
    // The curve bends to the right of its direction, so A to B and B to A stay apart.
    var c = { x: mx - dy * 0.18, y: my + dx * 0.18 };
    var a = clip(s, c), b = clip(d, c);
    var path = "M" + a.x.toFixed(1) + "," + a.y.toFixed(1) + " Q" + c.x.toFixed(1) + "," + c.y.toFixed(1) + " " + b.x.toFixed(1) + "," + b.y.toFixed(1);
    var g = el("g", { "class": "edge", "data-i": i }, gEdges);
    el("title", {}, g).textContent = s.id + " => " + d.id + " : " + e.conns;
    el("path", { "class": "hit", d: path }, g);
    el("path", { "class": "line", d: path, "marker-end": "url(#arrow)" }, g);
    return g;
  });
  var nodeEls = data.nodes.map(function (n, i) {
    var range = data.groups[n.group].outside;
    var g = el("g", { "class": range ? "node range" : "node", "data-i": i, transform: "translate(" + n.x + "," + n.y + ")" }, gNodes);
    el("title", {}, g).textContent = n.id;
    el("rect", { x: -NODE_W / 2, y: -NODE_H / 2, width: NODE_W, height: NODE_H }, g);
    el("text", { x: 0, y: 0 }, g).textContent = short(n.label);
    return g;
  });

  // The explanation panel.
  function clearPanel() { while (panel.firstChild) { panel.removeChild(panel.firstChild); } }
  function verdict(ok) { return ok ? "allowed" : "denied"; }
  function where(w, li) { if (w) { html("span", " (" + w + ")", li, "where"); } }
  function side(what, s, parent) {
    var div = html("div", null, parent, "side");
    var head = html("div", null, div);
    html("strong", what + ": ", head);
    if (s.outside) { html("span", "allowed, an address outside the cluster that no policy governs", head, "allowed"); return; }
    if (!s.isolating || s.isolating.length === 0) {
      html("span", "allowed by default, no policy selects the pod for " + s.direction, head, "allowed");
      return;
    }
    html("span", verdict(s.allowed), head, s.allowed ? "allowed" : "denied");
    html("div", "isolated for " + s.direction + " by:", div);
    var ul = html("ul", null, div);
    s.isolating.forEach(function (p) { var li = html("li", p.policy, ul, "policy"); where(p.where, li); });
    if (!s.allowing || s.allowing.length === 0) { html("div", "and no rule of theirs allows it", div); return; }
    html("div", "allowed by:", div);
    ul = html("ul", null, div);
    s.allowing.forEach(function (r) { var li = html("li", r.policy + " " + r.rule, ul, "rule"); where(r.where, li); });
  }
  function showEdge(i) {
    var e = data.edges[i], s = data.nodes[e.src], d = data.nodes[e.dst];
    select([i], null);
    clearPanel();
    html("h2", s.id + " => " + d.id, panel);
    html("p", e.conns, panel, "conns");
    e.why.forEach(function (w) {
      var src = w.src || s.id, dst = w.dst || d.id;
      var sec = html("section", null, panel, "why");
      var h = html("h3", w.protocol + " " + w.ports + ": ", sec);
      html("span", verdict(w.allowed), h, w.allowed ? "allowed" : "denied");
      if (w.ports !== String(w.port) || w.src || w.dst) {
        html("p", "explained for " + src + " => " + dst + " : " + w.protocol + " " + w.port, sec, "hint");
      }
      side("egress of " + src, data.sides[w.egress], sec);
      side("ingress of " + dst, data.sides[w.ingress], sec);
    });
    if (e.moreWhy > 0) {
      html("p", e.moreWhy + " more port ranges are not explained here; palisade netpol explain answers for any port.", panel, "hint");
    }
  }
  function showNode(i) {
    var n = data.nodes[i], mine = [];
    data.edges.forEach(function (e, j) { if (e.src === i || e.dst === i) { mine.push(j); } });
    select(mine, i);
    clearPanel();
    html("h2", n.id, panel);
    html("p", mine.length ? mine.length + " connections from or to it:" : "No connection from or to it is shown.", panel);
    var ul = html("ul", null, panel);
    mine.forEach(function (j) {
      var e = data.edges[j];
      var b = html("button", data.nodes[e.src].id + " => " + data.nodes[e.dst].id + " : " + e.conns, html("li", null, ul), "link");
      b.type = "button";
      b.addEventListener("click", function () { showEdge(j); });
    });
  }
  var hot = [], selectedNode = null;
  function select(edges, node) {
    hot.forEach(function (j) { edgeEls[j].classList.remove("hot"); });
    if (selectedNode !== null) { nodeEls[selectedNode].classList.remove("selected"); }
    hot = edges; selectedNode = node;
    hot.forEach(function (j) { edgeEls[j].classList.add("hot"); });
    if (node !== null) { nodeEls[node].classList.add("selected"); }
    svg.classList.toggle("focus", node !== null);
  }
  gEdges.addEventListener("click", function (ev) {
    var g = ev.target.closest(".edge");
    if (g) { showEdge(Number(g.getAttribute("data-i"))); }
  });
  gNodes.addEventListener("click", function (ev) {
    var g = ev.target.closest(".node");
    if (g) { showNode(Number(g.getAttribute("data-i"))); }
  });

  // The filter: the workloads whose name holds the text, their connections, and the other
  // ends of those.
  document.getElementById("filter").addEventListener("input", function (ev) {
    var q = ev.target.value.trim().toLowerCase();
    var match = data.nodes.map(function (n) { return q === "" || n.id.toLowerCase().indexOf(q) >= 0; });
    var shown = match.slice();
    data.edges.forEach(function (e, j) {
      var on = match[e.src] || match[e.dst];
      edgeEls[j].classList.toggle("gone", !on);
      if (on) { shown[e.src] = true; shown[e.dst] = true; }
    });
    var groupShown = data.groups.map(function () { return false; });
    data.nodes.forEach(function (n, i) {
      nodeEls[i].classList.toggle("gone", !shown[i]);
      if (shown[i]) { groupShown[n.group] = true; }
    });
    groupEls.forEach(function (g, i) { g.classList.toggle("gone", !groupShown[i]); });
  });

  // Zoom with the wheel around the pointer; pan by dragging.
  function toGraph(ev) {
    var r = svg.getBoundingClientRect();
    var k = Math.max(view.w / r.width, view.h / r.height);
    return { x: view.x + (ev.clientX - r.left) * k, y: view.y + (ev.clientY - r.top) * k, k: k };
  }
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var p = toGraph(ev), f = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
    view.x = p.x - (p.x - view.x) * f; view.y = p.y - (p.y - view.y) * f;
    view.w *= f; view.h *= f;
    setView();
  }, { passive: false });
  var drag = null;
  svg.addEventListener("pointerdown", function (ev) {
    if (ev.target.closest(".edge, .node")) { return; }
    drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, k: toGraph(ev).k };
    svg.classList.add("panning");
  });
  window.addEventListener("pointermove", function (ev) {
    if (!drag) { return; }
    view.x = drag.vx - (ev.clientX - drag.x) * drag.k;
    view.y = drag.vy - (ev.clientY - drag.y) * drag.k;
    setView();
  });
  window.addEventListener("pointerup", function () { drag = null; svg.classList.remove("panning"); });
  document.body.setAttribute("data-rendered", "true");
})();
