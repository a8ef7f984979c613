// The tenant scope picker: all tenants in view, a tenant group, or a hand-picked set. Lists
// stay usable at 1,000+ tenants: a filter box, and only the first matches are drawn.
import { Button, Checkbox, Divider, Input, Popover, PopoverSurface, PopoverTrigger, Text } from "@fluentui/react-components";
import { Building20Regular, ChevronDown16Regular } from "@fluentui/react-icons";
import { useState } from "react";
import { useSession } from "../session";
import { useScope } from "./scope";

const SHOWN = 200;

export function ScopePicker() {
  const { me } = useSession();
  const { choice, setChoice, tenants, groups, label } = useScope();
  const [open, setOpen] = useState(false);
  const [filter, setFilter] = useState("");
  const [picked, setPicked] = useState<string[]>([]);
  const reachable = me.tenants.filter((t) => t.inView);
  const matches = reachable.filter((t) => t.tenantName.toLowerCase().includes(filter.toLowerCase()));

  const onOpenChange = (next: boolean) => {
    setOpen(next);
    if (next) setPicked(choice.kind === "view" ? [] : tenants.map((t) => t.tenantId));
  };
  const toggle = (id: string, on: boolean) => setPicked((p) => (on ? [...p, id] : p.filter((x) => x !== id)));

  return (
    <Popover open={open} onOpenChange={(_, d) => onOpenChange(d.open)} positioning="below-start" trapFocus>
      <PopoverTrigger disableButtonEnhancement>
        <Button appearance="subtle" icon={<Building20Regular />} iconPosition="before" data-testid="scope-picker">
          {label} <ChevronDown16Regular />
        </Button>
      </PopoverTrigger>
      <PopoverSurface aria-label="Tenant scope" style={{ width: 340, display: "flex", flexDirection: "column", gap: 8 }}>
        <Button
          appearance={choice.kind === "view" ? "primary" : "secondary"}
          onClick={() => {
            setChoice({ kind: "view" });
            setOpen(false);
          }}
        >
          All tenants in view ({reachable.length})
        </Button>
        {groups.length > 0 && <Text weight="semibold">Tenant groups</Text>}
        {groups.map((g) => (
          <Button
            key={g.id}
            appearance={choice.kind === "group" && choice.groupId === g.id ? "primary" : "subtle"}
            onClick={() => {
              setChoice({ kind: "group", groupId: g.id });
              setOpen(false);
            }}
            style={{ justifyContent: "flex-start" }}
          >
            {g.displayName} ({g.tenantIds.length}
            {g.hiddenMembers > 0 ? ` + ${g.hiddenMembers} hidden` : ""})
          </Button>
        ))}
        <Divider />
        <Input placeholder="Filter tenants" value={filter} onChange={(_, d) => setFilter(d.value)} aria-label="Filter tenants" />
        <div style={{ maxHeight: 260, overflow: "auto", display: "flex", flexDirection: "column" }}>
          {matches.slice(0, SHOWN).map((t) => (
            <Checkbox
              key={t.tenantId}
              label={t.status === "ok" ? t.tenantName : `${t.tenantName} (${t.status})`}
              checked={picked.includes(t.tenantId)}
              onChange={(_, d) => toggle(t.tenantId, Boolean(d.checked))}
            />
          ))}
          {matches.length > SHOWN && <Text size={200}>{matches.length - SHOWN} more: refine the filter</Text>}
        </div>
        <Button
          appearance="primary"
          disabled={picked.length === 0}
          onClick={() => {
            setChoice({ kind: "tenants", tenantIds: picked });
            setOpen(false);
          }}
        >
          Use {picked.length} selected tenant{picked.length === 1 ? "" : "s"}
        </Button>
      </PopoverSurface>
    </Popover>
  );
}
