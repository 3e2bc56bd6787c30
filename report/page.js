(function () {
  "use strict";
  var keys = ["namespace", "outcome", "moves"];
  var names = { namespace: "Namespace", outcome: "Outcome", moves: "Moves" };
  var table = document.getElementById("vm-table");
  var bar = document.getElementById("filters");
  var data = document.getElementById("filter-data");
  if (table && bar && data) {
    filters(JSON.parse(data.textContent), table.tBodies[0].rows, bar);
  }
  document.body.dataset.ok = "1";

  function filters(facets, rows, bar) {
    var selects = {};
    var shown = document.createElement("span");
    shown.className = "shown";
    keys.forEach(function (k) {
      var label = document.createElement("label");
      label.textContent = names[k];
      var sel = document.createElement("select");
      sel.name = k;
      option(sel, "", "all");
      facets[k].forEach(function (f) { option(sel, f.value, f.label + " (" + f.count + ")"); });
      sel.addEventListener("change", function () { save(); apply(); });
      label.appendChild(sel);
      bar.appendChild(label);
      selects[k] = sel;
    });
    var reset = document.createElement("a");
    reset.href = "#vms";
    reset.textContent = "show all";
    bar.appendChild(reset);
    bar.appendChild(shown);
    bar.hidden = false;
    load();
    apply();
    window.addEventListener("hashchange", function () {
      load();
      apply();
      document.getElementById("vms").scrollIntoView();
    });

    function option(sel, value, text) {
      var o = document.createElement("option");
      o.value = value;
      o.textContent = text;
      sel.appendChild(o);
    }

    // load sets the filters from the fragment: #outcome=ShutDown&moves=2+.
    function load() {
      var want = {};
      location.hash.replace(/^#/, "").split("&").forEach(function (part) {
        var i = part.indexOf("=");
        if (i < 0) return;
        try {
          want[decodeURIComponent(part.slice(0, i))] = decodeURIComponent(part.slice(i + 1));
        } catch (e) { /* a malformed fragment filters nothing */ }
      });
      keys.forEach(function (k) {
        var v = want[k] || "", sel = selects[k];
        if (v && !Array.prototype.some.call(sel.options, function (o) { return o.value === v; })) {
          option(sel, v, v + " (0)");
        }
        sel.value = v;
      });
    }

    // save writes the filters into the fragment, so the view can be linked.
    function save() {
      var parts = [];
      keys.forEach(function (k) {
        if (selects[k].value) parts.push(k + "=" + encodeURIComponent(selects[k].value).replace(/%2B/g, "+"));
      });
      var url = location.pathname + location.search + (parts.length ? "#" + parts.join("&") : "");
      try { history.replaceState(null, "", url); } catch (e) { /* some file: URLs refuse; the view still applies */ }
    }

    function moves(want, n) {
      if (!want) return true;
      if (want.charAt(want.length - 1) === "+") return n >= Number(want.slice(0, -1));
      return n === Number(want);
    }

    function apply() {
      var ns = selects.namespace.value, out = selects.outcome.value, mv = selects.moves.value, n = 0;
      for (var i = 0; i < rows.length; i++) {
        var d = rows[i].dataset;
        var ok = (!ns || d.ns === ns) && (!out || d.outcome === out) && moves(mv, Number(d.moves));
        rows[i].hidden = !ok;
        if (ok) n++;
      }
      shown.dataset.shown = String(n);
      var total = rows.length + (rows.length === 1 ? " VM" : " VMs");
      shown.textContent = n === rows.length ? (rows.length === 1 ? "showing the one VM" : "showing all " + total) :
        "showing " + n + " of " + total;
    }
  }
})();
