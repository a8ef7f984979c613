// The chart of a query that ends with `render`; ECharts loads on first use (its own chunk).
import { Text } from "@fluentui/react-components";
import { useEffect, useRef, useState } from "react";
import type { ResultColumn, Row } from "../../api/types";
import { chartData } from "./chart";

export function ResultChart(props: { kind: string; title?: string; columns: ResultColumn[]; rows: Row[]; dark: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const data = chartData(props.kind, props.columns, props.rows);

  useEffect(() => {
    if (!host.current || !data) return;
    let disposed = false;
    let dispose = () => {};
    void (async () => {
      try {
        const echarts = await import("./echarts");
        if (disposed || !host.current) return;
        const chart = echarts.init(host.current, props.dark ? "dark" : undefined, { renderer: "svg" });
        chart.setOption(echarts.optionFor(data, props.title));
        const resize = () => chart.resize();
        window.addEventListener("resize", resize);
        dispose = () => {
          window.removeEventListener("resize", resize);
          chart.dispose();
        };
      } catch (e) {
        setError(String(e));
      }
    })();
    return () => {
      disposed = true;
      dispose();
    };
  }, [data, props.dark, props.title]);

  if (!data) return <Text>This result has no numeric column to chart as a {props.kind}.</Text>;
  if (error) return <Text>The chart failed to load: {error}</Text>;
  return <div ref={host} data-testid="result-chart" data-kind={props.kind} style={{ width: "100%", height: "100%", minHeight: 280 }} />;
}
