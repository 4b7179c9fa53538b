// The findings report of `palisade -o html`: the summary, the benchmark and the problems are
// written by Palisade; this script reads the findings Palisade embedded in the page, fills the
// filters and shows the matching findings a page at a time, so that a report of a hundred
// thousand findings opens and filters at once. Every value is set as text, never as markup.
(function () {
  "use strict";
  var PAGE = 100;
  // The fields of a finding row, as Palisade writes them.
  // Numbers are indexes into data.strings, but NAME and MSG, which are text, and LINE and
  // COL, which are numbers (0 when unknown).
  var RULE = 0, SEV = 1, NS = 2, OBJ = 3, NAME = 4, CONTAINER = 5, FILE = 6, LINE = 7, COL = 8, LOCNOTE = 9,
    PATH = 10, MSG = 11, EVIDENCE = 12, REMEDY = 13, NOTE = 14;
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var strs = data.strings;
  var lowerStrs = null; // strs lower-cased, on the first search

  function html(name, text, parent, cls) {
    var e = document.createElement(name);
    if (text !== undefined && text !== null && text !== "") { e.textContent = text; }
    if (cls) { e.className = cls; }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function option(select, value, label) {
    var o = html("option", label, select);
    o.value = value;
    return o;
  }
  function nsLabel(ns) { return ns === "" ? "(no namespace)" : ns; }
  function object(r) { return strs[r[OBJ]] + r[NAME]; }
  function where(r) { return strs[r[FILE]] + (r[LINE] > 0 ? ":" + r[LINE] + ":" + r[COL] : "") + strs[r[LOCNOTE]]; }

  // Tabs.
  var tabs = Array.prototype.slice.call(document.querySelectorAll("nav button[data-tab]"));
  function show(name) {
    tabs.forEach(function (b) {
      var on = b.getAttribute("data-tab") === name;
      b.setAttribute("aria-selected", on ? "true" : "false");
      document.getElementById("tab-" + b.getAttribute("data-tab")).hidden = !on;
    });
  }
  tabs.forEach(function (b) { b.addEventListener("click", function () { show(b.getAttribute("data-tab")); }); });
  Array.prototype.forEach.call(document.querySelectorAll("button[data-show]"), function (b) {
    b.addEventListener("click", function () { show(b.getAttribute("data-show")); });
  });

  // A table of findings with its filters: namespace, rule, severity, area and
  // text, and the order (as scanned, or most severe first).
  function FindingTable(root, rows, noteTitle) {
    var self = this;
    this.rows = rows;
    this.noteTitle = noteTitle;
    this.page = 0;
    this.shown = [];
    this.haystack = null;
    var id = root.id;
    var bar = html("div", null, root, "filters");
    function control(tag, name, label) {
      var e = html(tag, null, bar);
      e.id = id + "-" + name;
      e.setAttribute("aria-label", label);
      e.addEventListener(tag === "input" ? "input" : "change", function () { self.page = 0; self.filter(); });
      return e;
    }
    this.ns = control("select", "ns", "Namespace");
    this.rule = control("select", "rule", "Rule");
    this.sev = control("select", "severity", "Severity");
    this.area = control("select", "area", "Area");
    this.text = control("input", "text", "Text");
    this.text.type = "search";
    this.text.placeholder = "Filter by text (object, file, message, evidence)";
    this.order = control("select", "order", "Order");
    this.count = html("span", null, bar, "count");
    this.count.id = id + "-count";

    var nsSeen = {}, ruleSeen = {}, areaSeen = {};
    rows.forEach(function (r) { nsSeen[r[NS]] = true; ruleSeen[r[RULE]] = true; areaSeen[data.rules[r[RULE]].area] = true; });
    option(this.ns, "", "All namespaces");
    Object.keys(nsSeen).map(Number).sort(function (a, b) { return strs[a] < strs[b] ? -1 : strs[a] > strs[b] ? 1 : 0; })
      .forEach(function (i) { option(self.ns, String(i), nsLabel(strs[i])); });
    option(this.rule, "", "All rules");
    Object.keys(ruleSeen).map(Number).sort(function (a, b) { return a - b; })
      .forEach(function (i) { option(self.rule, String(i), data.rules[i].id); });
    option(this.sev, "", "All severities");
    for (var s = data.severities.length - 1; s >= 0; s--) {
      option(this.sev, String(s), data.severities[s]);
    }
    option(this.area, "", "All areas");
    data.areas.forEach(function (a) { if (areaSeen[a.area]) { option(self.area, a.area, a.title); } });
    option(this.order, "scan", "In scan order");
    option(this.order, "severity", "Most severe first");

    this.table = html("table", null, root);
    var head = html("tr", null, html("thead", null, this.table));
    ["Severity", "Rule", "Object", "Location", "Finding"].forEach(function (h) { html("th", h, head); });
    this.body = html("tbody", null, this.table);
    this.body.id = id + "-rows";
    this.empty = html("p", "No finding matches the filters.", root, "empty");
    var pager = html("div", null, root, "pager");
    this.prev = html("button", "Previous", pager);
    this.prev.type = "button";
    this.pageLabel = html("span", null, pager, "count");
    this.next = html("button", "Next", pager);
    this.next.type = "button";
    this.prev.addEventListener("click", function () { self.page--; self.render(); });
    this.next.addEventListener("click", function () { self.page++; self.render(); });
    this.filter();
  }

  // set chooses the value of a filter, as a click on the summary does.
  FindingTable.prototype.set = function (name, value) {
    this.ns.value = ""; this.rule.value = ""; this.sev.value = ""; this.area.value = ""; this.text.value = "";
    this[name].value = value;
    this.page = 0;
    this.filter();
  };

  FindingTable.prototype.filter = function () {
    var self = this, rows = this.rows, out = [];
    var ns = this.ns.value === "" ? -1 : Number(this.ns.value);
    var rule = this.rule.value === "" ? -1 : Number(this.rule.value);
    var sev = this.sev.value === "" ? -1 : Number(this.sev.value);
    var area = this.area.value;
    var text = this.text.value.trim().toLowerCase();
    // Text is looked for in what is a finding's own (its object's name, its message and its
    // location), lower-cased once, and in the interned strings (kind and namespace, file,
    // container, field, evidence, suppression), each looked at once per search.
    var hit = null, ruleHit = null;
    if (text !== "") {
      if (this.haystack === null) {
        this.haystack = rows.map(function (r) { return (r[NAME] + "\n" + r[MSG] + "\n" + where(r)).toLowerCase(); });
      }
      if (lowerStrs === null) {
        lowerStrs = strs.map(function (s) { return s.toLowerCase(); });
      }
      hit = lowerStrs.map(function (s) { return s.indexOf(text) >= 0; });
      ruleHit = data.rules.map(function (r) { return r.id.toLowerCase().indexOf(text) >= 0; });
    }
    function matches(i, r) {
      return self.haystack[i].indexOf(text) >= 0 || ruleHit[r[RULE]] || hit[r[OBJ]] || hit[r[FILE]] ||
        hit[r[CONTAINER]] || hit[r[PATH]] || hit[r[EVIDENCE]] || hit[r[NOTE]];
    }
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if ((ns >= 0 && r[NS] !== ns) || (rule >= 0 && r[RULE] !== rule) || (sev >= 0 && r[SEV] !== sev) ||
          (area !== "" && data.rules[r[RULE]].area !== area) || (hit !== null && !matches(i, r))) {
        continue;
      }
      out.push(i);
    }
    if (this.order.value === "severity") {
      // Stable: within a severity, the scan's order.
      out.sort(function (a, b) { return rows[b][SEV] - rows[a][SEV] || a - b; });
    }
    this.shown = out;
    this.render();
  };

  FindingTable.prototype.render = function () {
    var pages = Math.max(1, Math.ceil(this.shown.length / PAGE));
    this.page = Math.min(Math.max(this.page, 0), pages - 1);
    var from = this.page * PAGE, to = Math.min(from + PAGE, this.shown.length);
    var frag = document.createDocumentFragment();
    for (var k = from; k < to; k++) { frag.appendChild(this.row(this.rows[this.shown[k]])); }
    this.body.textContent = "";
    this.body.appendChild(frag);
    this.count.textContent = this.shown.length === this.rows.length ?
      this.rows.length + " findings" : this.shown.length + " of " + this.rows.length + " findings";
    this.pageLabel.textContent = this.shown.length === 0 ? "" : (from + 1) + "\u2013" + to + " of " + this.shown.length;
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
    this.empty.hidden = this.shown.length > 0;
    this.table.hidden = this.shown.length === 0;
  };

  FindingTable.prototype.row = function (r) {
    var rule = data.rules[r[RULE]], sev = data.severities[r[SEV]];
    var tr = html("tr");
    html("span", sev, html("td", null, tr), "sev " + sev);
    var tdRule = html("td", null, tr, "rule");
    if (rule.help) {
      var a = html("a", rule.id, tdRule);
      a.href = rule.help;
      a.rel = "noreferrer";
    } else {
      tdRule.textContent = rule.id;
    }
    tdRule.title = rule.title;
    var obj = html("td", object(r), tr, "obj");
    if (strs[r[CONTAINER]] !== "") { html("div", "container " + strs[r[CONTAINER]], obj, "detail"); }
    var loc = html("td", where(r), tr, "loc");
    if (strs[r[PATH]] !== "") { html("div", strs[r[PATH]], loc, "detail"); }
    var td = html("td", null, tr);
    html("div", r[MSG], td);
    function detail(label, text) {
      if (text === "") { return; }
      var d = html("div", null, td, "detail");
      html("b", label + ": ", d);
      html("code", text, d);
    }
    detail("Evidence", strs[r[EVIDENCE]]);
    detail("Remedy", strs[r[REMEDY]]);
    detail(this.noteTitle, strs[r[NOTE]]);
    return tr;
  };

  var findings = new FindingTable(document.getElementById("findings"), data.findings, "Related");
  var suppressed = document.getElementById("suppressed");
  if (suppressed) { new FindingTable(suppressed, data.suppressed, "Suppressed"); }

  // A bar of the summary shows its findings.
  Array.prototype.forEach.call(document.querySelectorAll("svg.bars g[data-key]"), function (g) {
    g.addEventListener("click", function () {
      findings.set(g.getAttribute("data-key"), g.getAttribute("data-value"));
      show("findings");
    });
  });
  // The time from navigation to the first rows, which the page's test reads.
  performance.mark("palisade-rendered");
  document.body.setAttribute("data-rendered", "true");
})();
