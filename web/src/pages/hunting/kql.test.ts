import { describe, expect, it } from "vitest";
import type { SchemaTable } from "../../api/types";
import { classifyWord, completionContext, completions, definedColumns } from "./kql";

const tables: SchemaTable[] = [
  { name: "DeviceProcessEvents", description: "", tenantsWithData: [], columns: [{ name: "ProcessCommandLine", type: "string" }, { name: "Timestamp", type: "datetime" }] },
  { name: "DeviceNetworkEvents", description: "", tenantsWithData: [], columns: [{ name: "RemoteIP", type: "string" }, { name: "Timestamp", type: "datetime" }] },
];
const labels = (text: string) => completions(text, text.length, tables).options.map((o) => o.label);

describe("completion context", () => {
  it("knows a pipe, a statement start and an expression apart", () => {
    expect(completionContext("T | wh", 6).after).toBe("pipe");
    expect(completionContext("Dev", 3).after).toBe("start");
    expect(completionContext("let x = 1; Dev", 14).after).toBe("start");
    expect(completionContext("T | where Pro", 13).after).toBe("expression");
    expect(completionContext("T | join kind=inner (Dev", 24).after).toBe("start");
    expect(completionContext("union Dev", 9)).toEqual({ from: 6, word: "Dev", after: "start" });
  });
});

describe("completions", () => {
  it("offers tabular operators after a pipe, filtered by prefix", () => {
    expect(labels("DeviceProcessEvents | su")).toEqual(["summarize"]);
    expect(labels("DeviceProcessEvents | pro")).toContain("project-away");
  });
  it("offers tables at the start of a statement", () => {
    expect(labels("DeviceN")).toEqual(["DeviceNetworkEvents"]);
  });
  it("offers the columns of the tables the statement reads before functions", () => {
    const found = labels("DeviceProcessEvents | where Process");
    expect(found[0]).toBe("ProcessCommandLine");
    expect(labels("DeviceNetworkEvents | where Remote")).toEqual(["RemoteIP"]);
    expect(labels("DeviceNetworkEvents | where Process")).not.toContain("ProcessCommandLine");
  });
  it("offers each shared column once across a join", () => {
    const found = labels("DeviceProcessEvents | join (DeviceNetworkEvents) on Time");
    expect(found.filter((l) => l === "Timestamp")).toHaveLength(1);
  });
  it("offers functions in expressions", () => {
    expect(labels("T | extend x = tolo")).toContain("tolower");
  });
});

describe("highlighting classes", () => {
  it("tells tables, operators, functions and keywords apart", () => {
    const names = new Set(["DeviceInfo"]);
    expect(classifyWord("DeviceInfo", false, names)).toBe("table");
    expect(classifyWord("summarize", false, names)).toBe("operator");
    expect(classifyWord("count", true, names)).toBe("function");
    expect(classifyWord("by", false, names)).toBe("keyword");
    expect(classifyWord("MyColumn", false, names)).toBe("variable");
  });
});

describe("columns defined in the query", () => {
  it("complete after extend, project, summarize and project-rename define them", () => {
    const text = "DeviceProcessEvents | extend Lower = tolower(FileName), Len = strlen(FileName) | summarize Runs = count() by Lower | where ";
    expect(definedColumns(text, text.length)).toEqual(["Lower", "Len", "Runs"]);
    const options = completions(`${text}Ru`, text.length + 2, tables).options.map((o) => o.label);
    expect(options[0]).toBe("Runs");
    expect(definedColumns("T | where A == 1", 16)).toEqual([]);
    expect(definedColumns("let x = 1; T | extend Y = 2", 27)).toEqual(["Y"]);
  });
});
