// Charts: every <div class="chart" data-chart="ID"> is drawn by ECharts from the JSON in
// <script type="application/json" id="ID"> (data, not code, so the CSP allows it).
"use strict";

function drawCharts(root) {
  if (!window.echarts) return;
  root.querySelectorAll("[data-chart]").forEach((element) => {
    const source = document.getElementById(element.dataset.chart);
    if (!source) return;
    const option = JSON.parse(source.textContent);
    const chart = window.echarts.getInstanceByDom(element) || window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option, true);
  });
}

document.addEventListener("DOMContentLoaded", () => drawCharts(document));
document.addEventListener("htmx:afterSettle", (event) => drawCharts(event.target));
window.addEventListener("resize", () => {
  document.querySelectorAll("[data-chart]").forEach((element) => {
    const chart = window.echarts && window.echarts.getInstanceByDom(element);
    if (chart) chart.resize();
  });
});
