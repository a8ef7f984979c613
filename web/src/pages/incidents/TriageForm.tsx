// The triage controls shared by bulk actions on the queue and the incident page: status,
// assignment, classification with its determinations, tags and a comment. Only fields the
// analyst touched are sent.
import { Button, Dropdown, Field, Input, Option, Textarea } from "@fluentui/react-components";
import { useState } from "react";
import { CLASSIFICATIONS, DETERMINATIONS } from "./queue";

export type TriageChanges = Record<string, unknown>;

export function TriageForm(props: {
  me: string;
  busy: boolean;
  submitLabel: string;
  statuses: { value: string; label: string }[];
  tags: boolean;
  onSubmit: (changes: TriageChanges) => void;
}) {
  const [status, setStatus] = useState("");
  const [assignee, setAssignee] = useState("");
  const [classification, setClassification] = useState("");
  const [determination, setDetermination] = useState("");
  const [tag, setTag] = useState("");
  const [comment, setComment] = useState("");
  const changes: TriageChanges = {};
  if (status) changes.status = status;
  if (assignee) changes.assignedTo = assignee === "-" ? null : assignee;
  if (classification) changes.classification = classification;
  if (determination) changes.determination = determination;
  if (tag.trim()) changes.addTags = [tag.trim()];
  if (comment.trim()) changes.comment = comment.trim();
  const empty = Object.keys(changes).length === 0;
  return (
    <div style={{ display: "flex", flexWrap: "wrap", gap: 12, alignItems: "flex-end" }}>
      <Field label="Status">
        <Dropdown aria-label="Set status" placeholder="Unchanged" value={props.statuses.find((s) => s.value === status)?.label ?? ""} onOptionSelect={(_, d) => setStatus(d.optionValue ?? "")}>
          {props.statuses.map((s) => <Option key={s.value} value={s.value}>{s.label}</Option>)}
        </Dropdown>
      </Field>
      <Field label="Assign to">
        <Input aria-label="Assign to" placeholder="Unchanged" value={assignee === "-" ? "(unassign)" : assignee} onChange={(_, d) => setAssignee(d.value)} />
      </Field>
      <Button onClick={() => setAssignee(props.me)}>Assign to me</Button>
      <Field label="Classification">
        <Dropdown
          aria-label="Set classification"
          placeholder="Unchanged"
          value={CLASSIFICATIONS.find((c) => c.value === classification)?.label ?? ""}
          onOptionSelect={(_, d) => {
            setClassification(d.optionValue ?? "");
            setDetermination("");
          }}
        >
          {CLASSIFICATIONS.map((c) => <Option key={c.value} value={c.value}>{c.label}</Option>)}
        </Dropdown>
      </Field>
      <Field label="Determination">
        <Dropdown
          aria-label="Set determination"
          placeholder={classification ? "Choose" : "Set a classification first"}
          disabled={!classification}
          value={(DETERMINATIONS[classification] ?? []).find((d) => d.value === determination)?.label ?? ""}
          onOptionSelect={(_, d) => setDetermination(d.optionValue ?? "")}
        >
          {(DETERMINATIONS[classification] ?? []).map((d) => <Option key={d.value} value={d.value}>{d.label}</Option>)}
        </Dropdown>
      </Field>
      {props.tags && (
        <Field label="Add tag">
          <Input aria-label="Add tag" value={tag} onChange={(_, d) => setTag(d.value)} />
        </Field>
      )}
      <Field label="Comment" style={{ minWidth: 260, flexGrow: 1 }}>
        <Textarea aria-label="Comment" value={comment} onChange={(_, d) => setComment(d.value)} resize="vertical" />
      </Field>
      <Button
        appearance="primary"
        disabled={empty || props.busy}
        onClick={() => {
          props.onSubmit(changes);
          setComment("");
          setTag("");
        }}
      >
        {props.submitLabel}
      </Button>
    </div>
  );
}
