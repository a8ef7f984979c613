import { describe, expect, it } from "vitest";
import { cellText, sortRows, toCsv, toJson } from "./results";

const rows = [
  { Name: "b", N: 10, Bag: { k: 1 } },
  { Name: "a", N: 9, Bag: null },
  { Name: "", N: null, Bag: [1, 2] },
  { Name: "C", N: 100, Bag: "x" },
];

describe("sortRows", () => {
  it("sorts numbers by value, not as text, with nulls last", () => {
    expect(sortRows(rows, { name: "N", type: "Int64" }, "ascending").map((r) => r.N)).toEqual([9, 10, 100, null]);
    expect(sortRows(rows, { name: "N", type: "Int64" }, "descending").map((r) => r.N)).toEqual([100, 10, 9, null]);
  });
  it("sorts text ignoring case, empty last, and leaves the input alone", () => {
    expect(sortRows(rows, { name: "Name", type: "String" }, "ascending").map((r) => r.Name)).toEqual(["a", "b", "C", ""]);
    expect(rows[0].Name).toBe("b");
  });
});

describe("exports", () => {
  it("writes RFC 4180 CSV with quoting and dynamic values as JSON", () => {
    const csv = toCsv([{ name: "Name", type: "String" }, { name: "Bag", type: "Object" }], [
      { Name: 'say "hi", ok', Bag: { k: 1 } },
      { Name: "line\nbreak", Bag: null },
    ]);
    expect(csv).toBe('Name,Bag\r\n"say ""hi"", ok","{""k"":1}"\r\n"line\nbreak",\r\n');
  });
  it("writes JSON objects in column order with missing values as null", () => {
    const json = JSON.parse(toJson([{ name: "B", type: "String" }, { name: "A", type: "Int64" }], [{ A: 1 }]));
    expect(json).toEqual([{ B: null, A: 1 }]);
    expect(Object.keys(json[0])).toEqual(["B", "A"]);
  });
  it("shows null as empty and objects as JSON", () => {
    expect(cellText(null)).toBe("");
    expect(cellText([1, "a"])).toBe('[1,"a"]');
    expect(cellText(false)).toBe("false");
  });
});
