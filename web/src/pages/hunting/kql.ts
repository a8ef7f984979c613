// KQL knowledge for the editor: a tokenizer for highlighting and a schema-aware completion
// source. Pure functions of text and schema (unit-tested in kql.test.ts); the parser on the
// server stays the authority on what is valid (diagnostics come from it).
import type { SchemaTable } from "../../api/types";

export const TABULAR_OPERATORS = [
  "where", "project", "project-away", "project-keep", "project-rename", "project-reorder", "extend", "summarize",
  "top", "take", "limit", "sort by", "order by", "join", "union", "distinct", "count", "mv-expand", "mv-apply",
  "parse", "parse-kv", "make-series", "render", "lookup", "as", "invoke", "evaluate", "search", "find", "sample",
  "top-nested", "serialize", "getschema", "facet", "fork", "partition", "scan",
];

export const KEYWORDS = [
  "let", "by", "on", "kind", "with", "and", "or", "not", "in", "in~", "!in", "has", "!has", "has_cs", "has_any",
  "has_all", "contains", "!contains", "contains_cs", "startswith", "!startswith", "endswith", "!endswith", "matches regex",
  "between", "asc", "desc", "nulls", "first", "last", "inner", "innerunique", "leftouter", "rightouter", "fullouter",
  "leftanti", "rightanti", "leftsemi", "rightsemi", "true", "false", "datatable", "range", "print", "materialize",
  "toscalar", "step", "from", "to", "typeof",
];

export const FUNCTIONS = [
  "ago", "now", "bin", "floor", "datetime", "timespan", "todatetime", "tostring", "toint", "tolong", "toreal",
  "todouble", "tobool", "todynamic", "parse_json", "tolower", "toupper", "strlen", "substring", "split", "strcat",
  "strcat_array", "replace_string", "replace_regex", "extract", "extract_all", "trim", "iff", "iif", "case",
  "coalesce", "isempty", "isnotempty", "isnull", "isnotnull", "array_length", "pack", "pack_array", "bag_pack",
  "bag_keys", "format_datetime", "startofday", "startofweek", "endofday", "dayofweek", "datetime_diff", "hash_sha256",
  "base64_decode_tostring", "parse_url", "parse_path", "ipv4_is_private", "ipv4_is_in_range", "countof", "row_number",
  "prev", "next", "count", "countif", "dcount", "dcountif", "sum", "sumif", "avg", "avgif", "min", "max", "minif",
  "maxif", "arg_max", "arg_min", "make_set", "make_set_if", "make_list", "make_list_if", "make_bag", "take_any",
  "percentile", "percentiles", "stdev", "variance",
];

export type TokenKind = "keyword" | "operator" | "function" | "string" | "number" | "comment" | "table" | "variable" | null;

const OPERATOR_WORDS = new Set(TABULAR_OPERATORS.map((o) => o.split(" ")[0]));
const KEYWORD_WORDS = new Set(KEYWORDS.map((k) => k.toLowerCase()));
const FUNCTION_WORDS = new Set(FUNCTIONS);

/** The highlighting class of one word, given whether a `(` follows and the known tables. */
export function classifyWord(word: string, followedByParen: boolean, tables: ReadonlySet<string>): TokenKind {
  if (tables.has(word)) return "table";
  if (followedByParen && (FUNCTION_WORDS.has(word) || /^[a-z_][a-z0-9_]*$/.test(word))) return "function";
  if (OPERATOR_WORDS.has(word)) return "operator";
  if (KEYWORD_WORDS.has(word.toLowerCase())) return "keyword";
  return "variable";
}

export interface Completion {
  label: string;
  type: "table" | "column" | "operator" | "function" | "keyword";
  detail?: string;
}

/** What the caret is completing: the word before it and the context that decides candidates. */
export function completionContext(text: string, pos: number): { from: number; word: string; after: "pipe" | "start" | "expression" } {
  let from = pos;
  while (from > 0 && /[\w-]/.test(text[from - 1])) from--;
  const word = text.slice(from, pos);
  let i = from - 1;
  while (i >= 0 && /\s/.test(text[i])) i--;
  if (i < 0 || text[i] === ";" || (text[i] === "(" && /\b(join|union|lookup)\s*(kind\s*=\s*\w+\s*)?\($/.test(text.slice(0, i + 1)))) {
    return { from, word, after: "start" };
  }
  if (text[i] === "|") return { from, word, after: "pipe" };
  const line = text.slice(0, from);
  if (/\b(union|join(\s+kind\s*=\s*\w+)?|lookup|from)\s+$/.test(line) || /=\s*$/.test(line) && /\blet\s+\w+\s*=\s*$/.test(line)) {
    return { from, word, after: "start" };
  }
  return { from, word, after: "expression" };
}

/** The tables a query's statement reads, so columns of those come first. */
export function tablesInScope(text: string, pos: number, tables: readonly SchemaTable[]): SchemaTable[] {
  const statementStart = text.lastIndexOf(";", pos - 1) + 1;
  const statement = text.slice(statementStart, pos);
  const names = new Set(statement.match(/[A-Za-z_][\w]*/g) ?? []);
  return tables.filter((t) => names.has(t.name));
}

/** Columns the statement defines before `pos` (`extend X = ...`, `project Y = ...`,
 * `summarize N = count() by ...`, `project-rename New = Old`), so they complete after the fact. */
export function definedColumns(text: string, pos: number): string[] {
  const statementStart = text.lastIndexOf(";", pos - 1) + 1;
  const statement = text.slice(statementStart, pos);
  const found: string[] = [];
  const pattern = /(?:\b(?:extend|project|summarize|project-rename)\s+|,\s*)([A-Za-z_]\w*)\s*=(?!=)/g;
  for (const match of statement.matchAll(pattern)) {
    if (!found.includes(match[1])) found.push(match[1]);
  }
  return found;
}

/** Candidates at `pos`, best first; `word` filters by prefix (case-insensitive). */
export function completions(text: string, pos: number, tables: readonly SchemaTable[]): { from: number; options: Completion[] } {
  const context = completionContext(text, pos);
  const prefix = context.word.toLowerCase();
  const matches = (label: string) => label.toLowerCase().startsWith(prefix);
  const tableOptions = (): Completion[] =>
    tables.filter((t) => matches(t.name)).map((t) => ({ label: t.name, type: "table", detail: `${t.columns.length} columns` }));
  let options: Completion[];
  if (context.after === "pipe") {
    options = TABULAR_OPERATORS.filter(matches).map((o) => ({ label: o, type: "operator" }));
  } else if (context.after === "start") {
    options = [...tableOptions(), ...["let", "union", "datatable", "range", "print"].filter(matches).map((k): Completion => ({ label: k, type: "keyword" }))];
  } else {
    const inScope = tablesInScope(text, pos, tables);
    const seen = new Set<string>();
    const columns: Completion[] = [];
    for (const name of definedColumns(text, context.from)) {
      if (matches(name)) {
        seen.add(name);
        columns.push({ label: name, type: "column", detail: "defined in the query" });
      }
    }
    for (const table of inScope) {
      for (const column of table.columns) {
        if (!seen.has(column.name) && matches(column.name)) {
          seen.add(column.name);
          columns.push({ label: column.name, type: "column", detail: column.type });
        }
      }
    }
    options = [
      ...columns,
      ...FUNCTIONS.filter(matches).map((f): Completion => ({ label: f, type: "function" })),
      ...KEYWORDS.filter(matches).map((k): Completion => ({ label: k, type: "keyword" })),
      ...(inScope.length === 0 ? tableOptions() : []),
    ];
  }
  return { from: context.from, options };
}
