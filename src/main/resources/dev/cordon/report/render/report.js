(function () {
  "use strict";
  document.documentElement.classList.remove("nojs");
  var items = Array.prototype.slice.call(document.querySelectorAll("li.p"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("li.grp"));
  var filter = document.getElementById("filter");
  var onlyNet = document.getElementById("onlyNet");
  var onlyBad = document.getElementById("onlyBad");
  var matches = document.getElementById("matches");
  var defaults = items.map(function (li) { var d = li.querySelector(":scope>details"); return d ? d.open : null; });

  function apply() {
    var q = filter.value.trim().toLowerCase();
    var shown = 0, hits = 0;
    // document order puts parents before children: walk backwards so children decide first
    var keep = new Map();
    for (var i = items.length - 1; i >= 0; i--) {
      var li = items[i];
      var self = (!q || li.dataset.search.indexOf(q) >= 0)
        && (!onlyNet.checked || li.dataset.net === "1")
        && (!onlyBad.checked || li.dataset.bad === "1");
      var child = false;
      var kids = li.querySelectorAll(":scope>details>ul>li.p, :scope>details>ul>li.grp>details>ul>li.p");
      for (var k = 0; k < kids.length; k++) if (keep.get(kids[k])) { child = true; break; }
      var visible = self || child;
      keep.set(li, visible);
      li.hidden = !visible;
      li.classList.toggle("hit", !!q && self);
      if (visible) shown++;
      if (self && (q || onlyNet.checked || onlyBad.checked)) hits++;
      var d = li.querySelector(":scope>details");
      if (d) d.open = (q || onlyBad.checked) ? child : defaults[i];
    }
    groups.forEach(function (g) {
      var any = false, kids = g.querySelectorAll(":scope>details>ul>li.p");
      for (var k = 0; k < kids.length; k++) if (keep.get(kids[k])) { any = true; break; }
      g.hidden = !any;
      g.querySelector(":scope>details").open = !!(any && (q || onlyBad.checked || onlyNet.checked));
    });
    matches.textContent = (q || onlyNet.checked || onlyBad.checked)
      ? hits + " of " + items.length + " processes match" : items.length + " processes";
    var h = q ? "#q=" + encodeURIComponent(q) : "";
    try { if (location.hash !== h) history.replaceState(null, "", h || location.pathname); } catch (e) { /* file: URLs may refuse */ }
  }

  function setAll(open) {
    items.forEach(function (li) { var d = li.querySelector(":scope>details"); if (d && !li.hidden) d.open = open; });
  }

  filter.addEventListener("input", apply);
  onlyNet.addEventListener("change", apply);
  onlyBad.addEventListener("change", apply);
  document.getElementById("expand").addEventListener("click", function () { setAll(true); });
  document.getElementById("collapse").addEventListener("click", function () { setAll(false); });
  var m = /^#q=(.*)$/.exec(location.hash);
  if (m) filter.value = decodeURIComponent(m[1]);
  apply();
  document.body.dataset.ready = "1";
})();
