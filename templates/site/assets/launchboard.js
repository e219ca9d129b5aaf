/* Launchboard: filter and sort the launch board's initiatives table, offline.
 *
 * The table is plain Markdown output; this script only reads cell text (never HTML) and
 * builds its controls with createElement/textContent, so record text stays text. Without
 * JavaScript the table is complete, sorted by title, and failing rows are still marked
 * (CSS :has on the current gate's bar).
 */
(function () {
  "use strict";

  var COLUMNS = { title: 0, stage: 1, approach: 2, risk: 3, owners: 4, current: 5, next: 6 };

  function cellText(row, column) {
    var cell = row.cells[column];
    return cell ? cell.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function owners(row) {
    return cellText(row, COLUMNS.owners).split(",").map(function (s) { return s.trim(); }).filter(Boolean);
  }

  /* "failing": the current stage's gate is not met; "blocked": something keeps the next stage. */
  function gateState(row) {
    if (row.cells[COLUMNS.current] && row.cells[COLUMNS.current].querySelector(".lb-readiness--short")) return "failing";
    if (row.cells[COLUMNS.next] && row.cells[COLUMNS.next].querySelector(".lb-readiness--short")) return "blocked";
    return "clear";
  }

  function readiness(row, column) {
    var count = row.cells[column] && row.cells[column].querySelector(".lb-readiness__count");
    if (!count) return -1;
    var parts = count.textContent.split("/");
    var required = parseFloat(parts[1]);
    return required > 0 ? parseFloat(parts[0]) / required : 1;
  }

  function distinct(rows, read) {
    var seen = {};
    rows.forEach(function (row) { [].concat(read(row)).forEach(function (v) { if (v) seen[v] = true; }); });
    return Object.keys(seen).sort(function (a, b) { return a.localeCompare(b); });
  }

  function select(label, name, values, order) {
    var wrap = document.createElement("label");
    wrap.className = "lb-filter__field";
    wrap.appendChild(document.createTextNode(label + " "));
    var input = document.createElement("select");
    input.name = name;
    var any = document.createElement("option");
    any.value = "";
    any.textContent = "any";
    input.appendChild(any);
    (order ? order.filter(function (v) { return values.indexOf(v) >= 0; }) : values).forEach(function (v) {
      var option = document.createElement("option");
      option.value = v;
      option.textContent = v;
      input.appendChild(option);
    });
    wrap.appendChild(input);
    return wrap;
  }

  function gateSelect() {
    var wrap = select("Gate", "gate", [], []);
    var input = wrap.querySelector("select");
    [["failing", "failing now"], ["blocked", "blocked from next stage"], ["clear", "clear"]].forEach(function (pair) {
      var option = document.createElement("option");
      option.value = pair[0];
      option.textContent = pair[1];
      input.appendChild(option);
    });
    return wrap;
  }

  function enhance(table) {
    if (table.dataset.lbEnhanced) return;
    table.dataset.lbEnhanced = "1";
    table.classList.add("lb-board-table");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row) { row.classList.add("lb-row--" + gateState(row)); });

    var stageOrder = Array.prototype.map.call(document.querySelectorAll(".lb-stagecount__name"), function (el) {
      return el.textContent.trim();
    });
    var bar = document.createElement("form");
    bar.className = "lb-filter";
    bar.setAttribute("role", "search");
    bar.setAttribute("aria-label", "Filter initiatives");
    bar.appendChild(select("Stage", "stage", distinct(rows, function (r) { return cellText(r, COLUMNS.stage); }), stageOrder));
    bar.appendChild(select("Approach", "approach", distinct(rows, function (r) { return cellText(r, COLUMNS.approach); })));
    bar.appendChild(select("Risk", "risk", distinct(rows, function (r) { return cellText(r, COLUMNS.risk); }), ["low", "medium", "high"]));
    bar.appendChild(select("Owner", "owner", distinct(rows, owners)));
    bar.appendChild(gateSelect());
    var count = document.createElement("output");
    count.className = "lb-filter__count";
    count.setAttribute("aria-live", "polite");
    bar.appendChild(count);
    var host = table.closest(".md-typeset__scrollwrap") || table;
    /* When no row matches, say so instead of leaving a header row with nothing under it. */
    var empty = document.createElement("p");
    empty.className = "lb-filter__empty";
    empty.hidden = true;
    empty.textContent = "No initiative matches these filters. Set a filter back to \u201call\u201d to see more.";
    host.parentNode.insertBefore(empty, host.nextSibling);
    host.parentNode.insertBefore(bar, host);

    function apply() {
      var want = {};
      ["stage", "approach", "risk", "owner", "gate"].forEach(function (name) { want[name] = bar.elements[name].value; });
      var shown = 0;
      rows.forEach(function (row) {
        var ok = (!want.stage || cellText(row, COLUMNS.stage) === want.stage) &&
          (!want.approach || cellText(row, COLUMNS.approach) === want.approach) &&
          (!want.risk || cellText(row, COLUMNS.risk) === want.risk) &&
          (!want.owner || owners(row).indexOf(want.owner) >= 0) &&
          (!want.gate || gateState(row) === want.gate);
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      count.textContent = shown + " of " + rows.length + " initiatives";
      host.hidden = shown === 0;
      empty.hidden = shown > 0;
    }
    bar.addEventListener("change", apply);
    bar.addEventListener("submit", function (event) { event.preventDefault(); });
    apply();

    /* Sort by a column: click its header (again to reverse). Gates sort by readiness. */
    var keys = [
      function (r) { return cellText(r, COLUMNS.title).toLowerCase(); },
      function (r) { var i = stageOrder.indexOf(cellText(r, COLUMNS.stage)); return i < 0 ? 99 : i; },
      function (r) { return cellText(r, COLUMNS.approach); },
      function (r) { return ["low", "medium", "high"].indexOf(cellText(r, COLUMNS.risk)); },
      function (r) { return owners(r).join(", ").toLowerCase(); },
      function (r) { return readiness(r, COLUMNS.current); },
      function (r) { return readiness(r, COLUMNS.next); }
    ];
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
      if (!keys[column]) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "lb-sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      th.setAttribute("aria-sort", column === 0 ? "ascending" : "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var key = keys[column];
        rows.slice().sort(function (a, b) {
          var x = key(a), y = key(b);
          var order = x < y ? -1 : x > y ? 1 : keys[0](a).localeCompare(keys[0](b));
          return ascending ? order : -order;
        }).forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function init() {
    var marker = document.querySelector(".md-typeset .lb-board-head");
    var table = marker && marker.closest("table");
    if (table && table.tBodies.length) enhance(table);
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(init);  /* Material's page-load stream */
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
