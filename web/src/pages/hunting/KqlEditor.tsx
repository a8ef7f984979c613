// The KQL editor: CodeMirror 6 with our highlighting, schema-aware completion and the server
// parser's diagnostics underlined (linted as one types). Shift+Enter or Ctrl+Enter runs.
import { autocompletion, type CompletionContext } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { HighlightStyle, StreamLanguage, bracketMatching, syntaxHighlighting, type StringStream } from "@codemirror/language";
import { linter, lintGutter, type Diagnostic } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, placeholder } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { useEffect, useRef } from "react";
import type { QueryDiagnostic, SchemaTable } from "../../api/types";
import { classifyWord, completions } from "./kql";

export interface KqlEditorProps {
  value: string;
  onChange: (text: string) => void;
  onRun: () => void;
  tables: SchemaTable[];
  /** Diagnostics for a text (the server's parser and planner). */
  check: (text: string) => Promise<QueryDiagnostic[]>;
}

function kqlLanguage(tableNames: () => ReadonlySet<string>) {
  return StreamLanguage.define<{ inComment: boolean }>({
    startState: () => ({ inComment: false }),
    token(stream: StringStream) {
      if (stream.eatSpace()) return null;
      if (stream.match("//")) {
        stream.skipToEnd();
        return "comment";
      }
      if (stream.match(/^@?(['"])(?:[^\\]|\\.)*?\1/) || stream.match(/^```[\s\S]*?```/)) return "string";
      if (stream.match(/^\d+(\.\d+)?(e[+-]?\d+)?(d|h|m|s|ms|microsecond|tick)?\b/i)) return "number";
      const word = stream.match(/^[A-Za-z_][\w]*(-[a-z]+)*/);
      if (word && typeof word !== "boolean") {
        const followedByParen = /^\s*\(/.test(stream.string.slice(stream.pos));
        const kind = classifyWord(word[0], followedByParen, tableNames());
        return kind === "operator" ? "tabular" : kind === "table" ? "table" : kind === "function" ? "func" : kind;
      }
      if (stream.match(/^(==|!=|=~|!~|<=|>=|\|)/)) return "operator";
      stream.next();
      return null;
    },
    tokenTable: { tabular: tags.controlKeyword, table: tags.typeName, func: tags.function(tags.variableName), variable: tags.variableName },
  });
}

const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: "var(--kql-keyword)" },
  { tag: tags.controlKeyword, color: "var(--kql-operator)", fontWeight: "600" },
  { tag: tags.typeName, color: "var(--kql-table)" },
  { tag: tags.function(tags.variableName), color: "var(--kql-function)" },
  { tag: tags.string, color: "var(--kql-string)" },
  { tag: tags.number, color: "var(--kql-number)" },
  { tag: tags.comment, color: "var(--kql-comment)", fontStyle: "italic" },
]);

/** A server diagnostic as an editor range (zero-width spans widened to one character). */
export function toEditorDiagnostic(d: QueryDiagnostic, length: number): Diagnostic {
  let from = Math.min(Math.max(d.start, 0), length);
  let to = Math.min(Math.max(d.end, from), length);
  if (from === to) {
    if (to < length) to += 1;
    else if (from > 0) from -= 1;
  }
  const help = d.help.length ? `\n${d.help.join("\n")}` : "";
  return { from, to, severity: d.severity, message: `${d.message}${help}`, source: d.code };
}

export function KqlEditor(props: KqlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    if (!host.current) return;
    const tableNames = () => new Set(latest.current.tables.map((t) => t.name));
    const complete = (context: CompletionContext) => {
      const text = context.state.doc.toString();
      const { from, options } = completions(text, context.pos, latest.current.tables);
      if (from === context.pos && !context.explicit && !/[|\s(]$/.test(text.slice(0, context.pos))) return null;
      return { from, options: options.map((o) => ({ label: o.label, type: o.type === "column" ? "property" : o.type === "table" ? "class" : o.type, detail: o.detail })) };
    };
    const lint = async (editor: EditorView): Promise<Diagnostic[]> => {
      const text = editor.state.doc.toString();
      if (!text.trim()) return [];
      try {
        const found = await latest.current.check(text);
        return found.map((d) => toEditorDiagnostic(d, editor.state.doc.length));
      } catch {
        return [];
      }
    };
    const run = () => {
      latest.current.onRun();
      return true;
    };
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: latest.current.value,
        extensions: [
          lineNumbers(),
          history(),
          bracketMatching(),
          kqlLanguage(tableNames),
          syntaxHighlighting(highlight),
          autocompletion({ override: [complete], activateOnTyping: true }),
          linter(lint, { delay: 350 }),
          lintGutter(),
          placeholder("DeviceProcessEvents | where Timestamp > ago(1d) | take 100"),
          keymap.of([{ key: "Shift-Enter", run }, { key: "Mod-Enter", run }, indentWithTab, ...defaultKeymap, ...historyKeymap]),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) latest.current.onChange(update.state.doc.toString());
          }),
          EditorView.contentAttributes.of({ "aria-label": "KQL query", "data-testid": "kql-editor" }),
          EditorView.theme({ "&": { height: "100%", fontSize: "13px" }, ".cm-scroller": { fontFamily: "Consolas, 'Cascadia Mono', monospace" } }),
        ],
      }),
    });
    view.current = editor;
    return () => editor.destroy();
  }, []);

  // Text set from outside (history, saved queries, links) replaces the document.
  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== props.value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: props.value } });
    }
  }, [props.value]);

  return <div ref={host} className="kql-editor" style={{ height: "100%", overflow: "hidden" }} />;
}
