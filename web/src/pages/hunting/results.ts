// Pure helpers of the results grid and its exports (unit-tested in results.test.ts).
import type { ResultColumn, Row } from "../../api/types";

/** A cell as text: objects and arrays (dynamic) as compact JSON, null as empty. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const NUMERIC = new Set(["Int32", "Int64", "Double", "Decimal", "SByte", "Byte"]);

/** Rows sorted by one column, nulls last, numbers by value, everything else as text. */
export function sortRows(rows: readonly Row[], column: ResultColumn, direction: "ascending" | "descending"): Row[] {
  const sign = direction === "ascending" ? 1 : -1;
  const numeric = NUMERIC.has(column.type) || column.type === "long" || column.type === "real" || column.type === "int";
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  return [...rows].sort((a, b) => {
    const x = a[column.name];
    const y = b[column.name];
    const xMissing = x === null || x === undefined || x === "";
    const yMissing = y === null || y === undefined || y === "";
    if (xMissing || yMissing) return xMissing === yMissing ? 0 : xMissing ? 1 : -1;
    if (numeric || (typeof x === "number" && typeof y === "number")) return sign * (Number(x) - Number(y));
    return sign * collator.compare(cellText(x), cellText(y));
  });
}

/** RFC 4180 CSV: a header line, every field quoted when it holds a comma, quote or line break. */
export function toCsv(columns: readonly ResultColumn[], rows: readonly Row[]): string {
  const field = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const lines = [columns.map((c) => field(c.name)).join(",")];
  for (const row of rows) lines.push(columns.map((c) => field(cellText(row[c.name]))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/** The rows as a JSON array of objects in column order. */
export function toJson(columns: readonly ResultColumn[], rows: readonly Row[]): string {
  return JSON.stringify(rows.map((row) => Object.fromEntries(columns.map((c) => [c.name, row[c.name] ?? null]))), null, 2);
}

/** A starting width for a column from its name and the first rows' text. */
export function initialWidth(column: ResultColumn, rows: readonly Row[]): number {
  let longest = column.name.length + 2;
  for (const row of rows.slice(0, 50)) longest = Math.max(longest, cellText(row[column.name]).length);
  return Math.min(Math.max(longest * 7.5 + 24, 80), 420);
}

/** Offers `text` as a file download in the browser. */
export function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
