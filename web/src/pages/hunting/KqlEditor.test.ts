import { describe, expect, it } from "vitest";
import { toEditorDiagnostic } from "./KqlEditor";

const diagnostic = (start: number, end: number) => ({ severity: "error" as const, code: "KQL_SYNTAX", message: "bad", start, end, notes: [], help: ["did you mean `has`?"] });

describe("toEditorDiagnostic", () => {
  it("keeps a span and adds the help to the message", () => {
    expect(toEditorDiagnostic(diagnostic(4, 8), 20)).toMatchObject({ from: 4, to: 8, severity: "error", message: "bad\ndid you mean `has`?" });
  });
  it("widens a zero-width span so it can be underlined, also at the end of the text", () => {
    expect(toEditorDiagnostic(diagnostic(3, 3), 10)).toMatchObject({ from: 3, to: 4 });
    expect(toEditorDiagnostic(diagnostic(10, 10), 10)).toMatchObject({ from: 9, to: 10 });
  });
  it("clamps spans past the text (the text changed while checking)", () => {
    expect(toEditorDiagnostic(diagnostic(50, 60), 10)).toMatchObject({ from: 9, to: 10 });
  });
});
