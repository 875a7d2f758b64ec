/* Charts of the arrears side: the ledger's aging and the figures page's collection rates. Data from
   the page's JSON (labels translated by the server); ECharts 5, vendored under static/vendor/echarts/,
   drawn the way quality/review.js draws the monthly review's. */
(function () {
  "use strict";
  if (!window.echarts) return;
  var charts = [];

  function make(id, option) {
    var node = document.getElementById(id);
    if (!node) return;
    var chart = echarts.init(node, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
  }

  function json(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var aging = json("aging-chart");
  if (aging) {
    make("chart-aging", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: aging.names, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value" },
      series: [{ type: "bar", data: aging.values.map(Number), barMaxWidth: 32,
                 itemStyle: { color: function (p) { return p.dataIndex === aging.values.length - 1 ? "#ffc107" : "#dc3545"; } } }],
    });
  }

  function rateChart(id, block) {
    if (!block) return;
    var percent = { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } };
    var points = function (rate, symbol) {
      return { name: rate.name, type: "scatter", yAxisIndex: 1, data: rate.data, symbol: symbol, symbolSize: 12,
               tooltip: { valueFormatter: function (v) { return v == null ? "—" : v + "%"; } } };
    };
    make(id, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: block.names, axisLabel: { interval: 0, rotate: block.names.length > 5 ? 30 : 0 } },
      yAxis: [{ type: "value" }, percent],
      series: block.series.map(function (s) { return { name: s.name, type: "bar", data: s.data, barMaxWidth: 36 }; })
        .concat([points(block.rate, "diamond"), points(block.rate2, "triangle")]),
    });
  }

  var figures = json("figures-charts");
  if (figures) {
    rateChart("chart-building", figures.building);
    rateChart("chart-item", figures.item);
  }

  var timer;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { charts.forEach(function (ch) { ch.resize(); }); }, 100);
  });
})();
