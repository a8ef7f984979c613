// The results grid: only visible rows are in the DOM (100k rows scroll smoothly), click a
// header to sort, drag its right edge to resize, arrow keys move between rows.
import { makeStyles, tokens } from "@fluentui/react-components";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import type { ResultColumn, Row } from "../../api/types";
import { cellText, initialWidth, sortRows } from "./results";

const ROW_HEIGHT = 28;

const useStyles = makeStyles({
  scroller: { overflow: "auto", height: "100%", position: "relative", fontSize: "13px", outline: "none" },
  header: { display: "flex", position: "sticky", top: 0, zIndex: 1, backgroundColor: tokens.colorNeutralBackground3, fontWeight: 600 },
  headerCell: {
    position: "relative", padding: "0 8px", height: `${ROW_HEIGHT}px`, lineHeight: `${ROW_HEIGHT}px`, flexShrink: 0,
    whiteSpace: "nowrap", overflow: "hidden", textOverflow: "ellipsis", cursor: "pointer", userSelect: "none",
    borderRight: `1px solid ${tokens.colorNeutralStroke2}`, boxSizing: "border-box",
  },
  resizer: { position: "absolute", right: 0, top: 0, bottom: 0, width: "6px", cursor: "col-resize" },
  row: { display: "flex", position: "absolute", left: 0, height: `${ROW_HEIGHT}px`, borderBottom: `1px solid ${tokens.colorNeutralStroke3}` },
  selected: { backgroundColor: tokens.colorNeutralBackground1Selected },
  cell: {
    padding: "0 8px", lineHeight: `${ROW_HEIGHT}px`, flexShrink: 0, whiteSpace: "nowrap", overflow: "hidden",
    textOverflow: "ellipsis", boxSizing: "border-box", fontFamily: "Consolas, 'Cascadia Mono', monospace",
  },
});

export interface SortState {
  column: string;
  direction: "ascending" | "descending";
}

export function ResultsGrid(props: { columns: ResultColumn[]; rows: Row[] }) {
  const styles = useStyles();
  const scroller = useRef<HTMLDivElement>(null);
  const [sort, setSort] = useState<SortState | null>(null);
  const [widths, setWidths] = useState<Record<string, number>>({});
  const [selected, setSelected] = useState(-1);
  const rows = useMemo(() => {
    const column = sort && props.columns.find((c) => c.name === sort.column);
    return column && sort ? sortRows(props.rows, column, sort.direction) : props.rows;
  }, [props.rows, props.columns, sort]);
  const widthOf = (c: ResultColumn) => widths[c.name] ?? initialWidth(c, props.rows);
  const totalWidth = props.columns.reduce((sum, c) => sum + widthOf(c), 0);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });

  const toggleSort = (name: string) =>
    setSort((s) => (s?.column === name ? { column: name, direction: s.direction === "ascending" ? "descending" : "ascending" } : { column: name, direction: "ascending" }));
  const startResize = (event: PointerEvent, column: ResultColumn) => {
    event.preventDefault();
    event.stopPropagation();
    const startX = event.clientX;
    const startWidth = widthOf(column);
    const move = (e: globalThis.PointerEvent) => setWidths((w) => ({ ...w, [column.name]: Math.max(48, startWidth + e.clientX - startX) }));
    const up = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  };
  const onKey = (event: KeyboardEvent) => {
    const step = event.key === "ArrowDown" ? 1 : event.key === "ArrowUp" ? -1 : event.key === "PageDown" ? 20 : event.key === "PageUp" ? -20 : 0;
    if (!step || rows.length === 0) return;
    event.preventDefault();
    const next = Math.min(Math.max(selected + step, 0), rows.length - 1);
    setSelected(next);
    virtualizer.scrollToIndex(next);
  };

  return (
    <div ref={scroller} className={styles.scroller} role="grid" aria-rowcount={rows.length + 1} aria-colcount={props.columns.length} tabIndex={0} onKeyDown={onKey} data-testid="results-grid">
      <div className={styles.header} role="row" style={{ width: totalWidth }}>
        {props.columns.map((c) => (
          <div
            key={c.name}
            role="columnheader"
            className={styles.headerCell}
            style={{ width: widthOf(c) }}
            title={`${c.name} (${c.type})`}
            aria-sort={sort?.column === c.name ? sort.direction : "none"}
            onClick={() => toggleSort(c.name)}
          >
            {c.name}
            {sort?.column === c.name ? (sort.direction === "ascending" ? " ▲" : " ▼") : ""}
            <span className={styles.resizer} onPointerDown={(e) => startResize(e, c)} onClick={(e) => e.stopPropagation()} aria-hidden />
          </div>
        ))}
      </div>
      <div style={{ height: virtualizer.getTotalSize(), width: totalWidth, position: "relative" }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index];
          return (
            <div
              key={item.index}
              role="row"
              aria-rowindex={item.index + 2}
              aria-selected={item.index === selected}
              className={`${styles.row} ${item.index === selected ? styles.selected : ""}`}
              style={{ top: item.start, width: totalWidth, background: item.index === selected ? undefined : item.index % 2 ? "var(--grid-stripe)" : undefined }}
              onClick={() => setSelected(item.index)}
            >
              {props.columns.map((c) => {
                const text = cellText(row[c.name]);
                return (
                  <div key={c.name} role="gridcell" className={styles.cell} style={{ width: widthOf(c) }} title={text.length > 40 ? text : undefined}>
                    {text}
                  </div>
                );
              })}
            </div>
          );
        })}
      </div>
    </div>
  );
}
