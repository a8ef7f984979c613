// The parts of ECharts the console uses (tree-shaken), and our chart data as its options.
import { BarChart, LineChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from "echarts/components";
import { init, use, type EChartsCoreOption } from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import type { ChartData } from "./chart";

use([LineChart, BarChart, PieChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, SVGRenderer]);

export { init };

export function optionFor(data: ChartData, title?: string): EChartsCoreOption {
  const base = { backgroundColor: "transparent", title: title ? { text: title } : undefined, tooltip: { trigger: data.shape === "pie" ? "item" : "axis" }, legend: { type: "scroll", bottom: 0 } };
  if (data.shape === "pie") {
    const series = data.series[0];
    return { ...base, series: [{ type: "pie", radius: ["30%", "65%"], data: data.categories.map((name, i) => ({ name, value: series?.data[i] ?? 0 })) }] };
  }
  return {
    ...base,
    grid: { left: 48, right: 24, top: title ? 40 : 16, bottom: 48, containLabel: true },
    xAxis: { type: "category", data: data.categories },
    yAxis: { type: "value" },
    series: data.series.map((s) => ({
      name: s.name, type: data.shape, data: s.data, stack: data.stacked ? "total" : undefined,
      areaStyle: data.area ? {} : undefined, showSymbol: false, connectNulls: false,
    })),
  };
}
