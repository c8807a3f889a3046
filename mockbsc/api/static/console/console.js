// The console's own script: only what the vendored libraries do not do for us.
// htmx (hx-* attributes in the templates) sends the buttons and refreshes the regions;
// this draws the usage chart with uPlot, again whenever htmx swapped new content in.
(function () {
  "use strict";

  function drawUsage() {
    const box = document.getElementById("usage-chart");
    const source = document.getElementById("usage-data");
    if (!box || !source || box.dataset.drawn || typeof uPlot === "undefined") return;
    const usage = JSON.parse(source.textContent);
    const days = usage.days.map((d) => Date.parse(d + "T00:00:00Z") / 1000);
    const bars = uPlot.paths.bars({size: [0.6, 40]});
    new uPlot({
      width: Math.max(box.clientWidth, 320), height: 180,
      series: [
        {value: (u, v) => v == null ? "" : new Date(v * 1000).toISOString().slice(0, 10)},
        {label: "data (MB)", stroke: "#1f6feb", fill: "rgba(31,111,235,0.35)", paths: bars},
        {label: "SMS", stroke: "#d97706", scale: "sms", width: 2},
      ],
      axes: [{}, {label: "MB"}, {side: 1, scale: "sms", label: "SMS", grid: {show: false}}],
      scales: {x: {time: true}},
    }, [days, usage.data_mb, usage.sms], box);
    box.dataset.drawn = "1";
  }

  document.addEventListener("DOMContentLoaded", drawUsage);
  document.addEventListener("htmx:afterSettle", drawUsage);
  // An action's answer (or its error) shows in #flash; errors are marked as such.
  document.addEventListener("htmx:afterRequest", function (event) {
    const flash = document.getElementById("flash");
    if (flash && event.detail.target === flash) {
      flash.className = event.detail.successful ? "ok" : "error";
    }
  });
  if (document.readyState !== "loading") drawUsage();
})();
