/* Charts of the monthly review (月度复盘): data from the page's #review-charts JSON, labels
   already translated by the server. ECharts 5, vendored under static/vendor/echarts/. */
(function () {
  "use strict";
  var el = document.getElementById("review-charts");
  if (!el || !window.echarts) return;
  var data = JSON.parse(el.textContent);
  var charts = [];
  var narrow = window.matchMedia("(max-width: 576px)").matches;

  function make(id, option) {
    var node = document.getElementById(id);
    if (!node) return;
    var chart = echarts.init(node, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
  }

  function base(names, rotate) {
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: {
        type: "category",
        data: names,
        axisLabel: { interval: 0, rotate: rotate || 0, hideOverlap: true, width: 80, overflow: "truncate" },
      },
    };
  }

  function percentAxis() {
    return { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } };
  }

  function bars(series, stack) {
    return series.map(function (s) {
      return { name: s.name, type: "bar", stack: stack || undefined, data: s.data, barMaxWidth: 36 };
    });
  }

  // A rate per category or department: points on the percent axis, not a line (the categories
  // are not a sequence).
  function ratePoints(rate, symbol) {
    return {
      name: rate.name,
      type: "scatter",
      yAxisIndex: 1,
      data: rate.data,
      symbol: symbol || "diamond",
      symbolSize: 12,
      tooltip: { valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
    };
  }

  var rotate = narrow ? 45 : 30;
  var c = data.category;
  var opt = base(c.names, c.names.length > 4 ? rotate : 0);
  opt.yAxis = [{ type: "value", minInterval: 1 }, percentAxis()];
  opt.series = bars(c.series, "kind").concat([ratePoints(c.rate)]);
  make("chart-category", opt);

  var d = data.department;
  opt = base(d.names, d.names.length > 4 ? rotate : 0);
  opt.yAxis = [{ type: "value", minInterval: 1 }, percentAxis()];
  opt.series = bars(d.series).concat([ratePoints(d.rate, "triangle"), ratePoints(d.rate2)]);
  make("chart-department", opt);

  var daily = data.daily;
  opt = base(daily.names, 0);
  opt.tooltip = { trigger: "axis" };
  opt.xAxis.axisLabel = { hideOverlap: true };
  opt.xAxis.boundaryGap = false;
  opt.yAxis = { type: "value", minInterval: 1 };
  opt.series = daily.series.map(function (s, i) {
    return { name: s.name, type: "line", data: s.data, smooth: false, symbolSize: 5, areaStyle: i === 0 ? { opacity: 0.08 } : undefined };
  });
  make("chart-daily", opt);

  var h = data.hourly;
  opt = base(h.names, 0);
  opt.xAxis.axisLabel = { hideOverlap: true };
  opt.yAxis = { type: "value", minInterval: 1 };
  opt.series = bars(h.series).map(function (s) { s.barGap = "10%"; return s; });
  make("chart-hourly", opt);

  var timer;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { charts.forEach(function (ch) { ch.resize(); }); }, 100);
  });
})();
