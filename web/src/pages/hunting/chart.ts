// Shapes a result for a chart the way Kusto's `render` reads it: the first datetime (time
// charts) or string column is the x axis, numeric columns are series, and for time charts a
// remaining string column splits the series.
import type { ResultColumn, Row } from "../../api/types";

export interface ChartData {
  shape: "line" | "bar" | "pie";
  stacked: boolean;
  area: boolean;
  categories: string[];
  series: { name: string; data: (number | null)[] }[];
}

const NUMERIC = new Set(["Int32", "Int64", "Double", "Decimal", "long", "int", "real"]);
const TIME = new Set(["DateTime", "datetime"]);

export function chartKind(kind: string): Pick<ChartData, "shape" | "stacked" | "area"> | null {
  switch (kind) {
    case "timechart":
    case "linechart":
      return { shape: "line", stacked: false, area: false };
    case "areachart":
    case "stackedareachart":
      return { shape: "line", stacked: kind === "stackedareachart", area: true };
    case "columnchart":
    case "barchart":
      return { shape: "bar", stacked: false, area: false };
    case "piechart":
      return { shape: "pie", stacked: false, area: false };
    default:
      return null;
  }
}

export function chartData(kind: string, columns: ResultColumn[], rows: Row[]): ChartData | null {
  const chart = chartKind(kind);
  if (!chart || columns.length < 2) return null;
  const numeric = columns.filter((c) => NUMERIC.has(c.type));
  const isTime = kind === "timechart";
  const xColumn = (isTime ? columns.find((c) => TIME.has(c.type)) : undefined) ?? columns.find((c) => !NUMERIC.has(c.type) && c.name !== "TenantId") ?? columns[0];
  const values = numeric.filter((c) => c.name !== xColumn.name);
  if (values.length === 0) return null;
  const splitBy = columns.find((c) => c !== xColumn && !NUMERIC.has(c.type) && !TIME.has(c.type) && c.name !== "TenantId");
  const sorted = isTime ? [...rows].sort((a, b) => String(a[xColumn.name]).localeCompare(String(b[xColumn.name]))) : rows;
  const categories = [...new Set(sorted.map((r) => String(r[xColumn.name] ?? "")))];
  const index = new Map(categories.map((c, i) => [c, i]));
  const series = new Map<string, (number | null)[]>();
  for (const row of sorted) {
    const x = index.get(String(row[xColumn.name] ?? "")) ?? 0;
    for (const value of values) {
      const name = splitBy && chart.shape !== "pie" ? (values.length > 1 ? `${row[splitBy.name]} ${value.name}` : String(row[splitBy.name] ?? "")) : value.name;
      if (!series.has(name)) series.set(name, new Array(categories.length).fill(null));
      const data = series.get(name);
      if (data) data[x] = (data[x] ?? 0) + Number(row[value.name] ?? 0);
    }
  }
  return { ...chart, categories, series: [...series].map(([name, data]) => ({ name, data })) };
}
