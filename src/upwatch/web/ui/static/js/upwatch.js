// Upwatch dashboard: live status over server-sent events, confirmations, the latency chart.
(function () {
  "use strict";

  function applyStatus(change) {
    document.querySelectorAll('[data-status-of="' + change.id + '"]').forEach(function (badge) {
      badge.dataset.status = change.status;
      badge.textContent = change.label;
    });
    // Parts of the page that depend on statuses (open incidents, recent checks) reload via htmx.
    document.body.dispatchEvent(new CustomEvent("upwatch:status", { detail: change }));
  }

  function listen() {
    var url = document.body.dataset.live;
    if (!url || !window.EventSource) return;
    var source = new EventSource(url);
    source.addEventListener("status", function (event) {
      applyStatus(JSON.parse(event.data));
    });
    document.body.dataset.liveState = "connecting";
    source.addEventListener("open", function () { document.body.dataset.liveState = "open"; });
  }

  function confirmSubmits() {
    document.addEventListener("submit", function (event) {
      var message = event.target.dataset && event.target.dataset.confirm;
      if (message && !window.confirm(message)) event.preventDefault();
    }, true);
  }

  function color(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function drawChart() {
    var box = document.getElementById("latency-chart");
    if (!box || !window.uPlot) return;
    var data = JSON.parse(box.dataset.series);
    if (!data.t.length) {
      box.textContent = "No checks in this range yet.";
      box.classList.add("empty");
      return;
    }
    var milliseconds = function (u, value) { return value == null ? "—" : value.toFixed(0) + " ms"; };
    var axis = { stroke: color("--muted"), grid: { stroke: color("--border") }, ticks: { stroke: color("--border") } };
    var options = {
      width: box.clientWidth,
      height: 240,
      scales: { x: { time: true } },
      series: [
        {},
        { label: "p50", stroke: color("--accent"), width: 2, value: milliseconds },
        { label: "p95", stroke: color("--degraded"), width: 2, dash: [6, 4], value: milliseconds }
      ],
      axes: [axis, Object.assign({}, axis, { values: function (u, ticks) {
        return ticks.map(function (v) { return v + " ms"; });
      } })]
    };
    var chart = new window.uPlot(options, [data.t, data.p50, data.p95], box);
    window.addEventListener("resize", function () {
      chart.setSize({ width: box.clientWidth, height: 240 });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    confirmSubmits();
    listen();
    drawChart();
  });
})();
