import { describe, expect, it } from "vitest";
import { HuntAssembler } from "./hunt";

const lines = [
  JSON.stringify({ schema: [{ name: "N", type: "Int64" }], render: { kind: "piechart", properties: {} } }),
  JSON.stringify({ row: { N: 1 } }),
  JSON.stringify({ row: { N: 2 } }),
  JSON.stringify({ tenantStatus: [{ tenantId: "t", status: "ok" }], stats: { rowCount: 2, tenantCount: 1 } }),
].map((l) => `${l}\n`).join("");

describe("HuntAssembler", () => {
  it("assembles the same answer whatever the chunk boundaries", () => {
    for (const size of [1, 3, 17, lines.length]) {
      const assembler = new HuntAssembler();
      for (let i = 0; i < lines.length; i += size) assembler.push(lines.slice(i, i + size));
      const answer = assembler.answer();
      expect(answer.results).toEqual([{ N: 1 }, { N: 2 }]);
      expect(answer.schema).toEqual([{ name: "N", type: "Int64" }]);
      expect(answer.render?.kind).toBe("piechart");
      expect(answer.stats.rowCount).toBe(2);
      expect(answer.tenantStatus).toHaveLength(1);
    }
  });
  it("counts rows as they arrive", () => {
    const assembler = new HuntAssembler();
    const half = lines.indexOf("\n", lines.indexOf('"row"')) + 1;
    expect(assembler.push(lines.slice(0, half))).toBe(1);
    expect(assembler.push(lines.slice(half))).toBe(2);
  });
});
