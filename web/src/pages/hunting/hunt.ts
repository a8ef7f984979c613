// Runs a hunting query through the public API, reading the answer as NDJSON lines so progress
// (rows received) shows while it arrives; an AbortSignal cancels it.
import { send } from "../../api/client";
import type { HuntResult, HuntTenantStatus, ResultColumn, Row } from "../../api/types";

export interface HuntParams {
  query: string;
  tenantIds?: string[];
  tenantGroupId?: string;
  mode: "perTenant" | "combined";
  timespan?: string;
}

export interface RenderHint {
  kind: string;
  properties: Record<string, string>;
}

export type HuntAnswer = HuntResult & { render?: RenderHint };

/** Folds NDJSON lines (`schema`, `row`…, then `tenantStatus`) into one answer. */
export class HuntAssembler {
  schema: ResultColumn[] = [];
  rows: Row[] = [];
  tenantStatus: HuntTenantStatus[] = [];
  stats = { rowCount: 0, tenantCount: 0 };
  render?: RenderHint;
  private pending = "";

  /** Feeds a chunk of text; returns the number of rows so far. */
  push(chunk: string): number {
    this.pending += chunk;
    let newline = this.pending.indexOf("\n");
    while (newline >= 0) {
      const line = this.pending.slice(0, newline).trim();
      this.pending = this.pending.slice(newline + 1);
      if (line) this.line(JSON.parse(line) as Record<string, unknown>);
      newline = this.pending.indexOf("\n");
    }
    return this.rows.length;
  }

  private line(value: Record<string, unknown>) {
    if ("row" in value) this.rows.push(value.row as Row);
    else if ("schema" in value) {
      this.schema = value.schema as ResultColumn[];
      this.render = value.render as RenderHint | undefined;
    } else if ("tenantStatus" in value) {
      this.tenantStatus = value.tenantStatus as HuntTenantStatus[];
      this.stats = value.stats as HuntResult["stats"];
    }
  }

  answer(): HuntAnswer {
    return { schema: this.schema, results: this.rows, tenantStatus: this.tenantStatus, stats: this.stats, render: this.render };
  }
}

export async function runHunt(params: HuntParams, signal: AbortSignal, onRows: (count: number) => void): Promise<HuntAnswer> {
  const body: Record<string, unknown> = { Query: params.query, mode: params.mode };
  if (params.tenantGroupId) body.tenantGroupId = params.tenantGroupId;
  else if (params.tenantIds) body.tenantIds = params.tenantIds;
  if (params.timespan) body.Timespan = params.timespan;
  const response = await send("/api/v1/security/runHuntingQuery", { body, signal, accept: "application/x-ndjson" });
  const assembler = new HuntAssembler();
  const reader = response.body?.getReader();
  if (!reader) {
    assembler.push(await response.text());
    return assembler.answer();
  }
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    onRows(assembler.push(decoder.decode(value, { stream: true })));
  }
  assembler.push(`${decoder.decode()}\n`);
  return assembler.answer();
}
