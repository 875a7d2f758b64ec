/* The supervisor's board: the intake chart (today against the same weekday last week), drawn again
   each time htmx swaps the polled figures in. Data from #board-chart, labels translated by the server.
   ECharts 5, vendored under static/vendor/echarts/. */
(function () {
  "use strict";
  var chart = null;

  function draw() {
    var node = document.getElementById("chart-intake");
    var data = document.getElementById("board-chart");
    if (!node || !data || !window.echarts) return;
    data = JSON.parse(data.textContent);
    if (chart) chart.dispose();
    chart = echarts.init(node, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.hours },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: data.names[0], type: "bar", data: data.today, barMaxWidth: 18 },
        { name: data.names[1], type: "line", data: data.before, smooth: true, symbolSize: 4, itemStyle: { color: "#adb5bd" } },
      ],
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "board") draw();
  });
  window.addEventListener("resize", function () { if (chart) chart.resize(); });
})();
