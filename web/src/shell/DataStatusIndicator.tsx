import { Button, Popover, PopoverSurface, PopoverTrigger, Text, tokens } from "@fluentui/react-components";
import { CheckmarkCircle20Filled, ErrorCircle20Filled } from "@fluentui/react-icons";
import { issueKind, useDataStatus } from "./dataStatus";

export function DataStatusIndicator() {
  const { issues } = useDataStatus();
  if (issues.length === 0) {
    return (
      <span data-testid="data-status" data-state="ok" style={{ display: "inline-flex", gap: 4, alignItems: "center" }} title="Data loaded from every tenant in scope">
        <CheckmarkCircle20Filled color={tokens.colorPaletteGreenForeground1} />
        <Text size={200}>Data status</Text>
      </span>
    );
  }
  const kinds = new Map<string, typeof issues>();
  for (const issue of issues) {
    const kind = issueKind(issue.status);
    kinds.set(kind, [...(kinds.get(kind) ?? []), issue]);
  }
  return (
    <Popover withArrow>
      <PopoverTrigger disableButtonEnhancement>
        <Button appearance="subtle" data-testid="data-status" data-state="issues" icon={<ErrorCircle20Filled color={tokens.colorPaletteRedForeground1} />}>
          {issues.length} tenant{issues.length === 1 ? "" : "s"} with issues
        </Button>
      </PopoverTrigger>
      <PopoverSurface aria-label="Data status" data-testid="data-status-details" style={{ maxWidth: 420, maxHeight: 400, overflow: "auto" }}>
        {[...kinds].map(([kind, list]) => (
          <section key={kind}>
            <Text weight="semibold">{kind}</Text>
            <ul style={{ margin: "4px 0 10px", paddingLeft: 18 }}>
              {list.map((issue) => (
                <li key={issue.tenantId}>
                  <Text>{issue.tenantName || issue.tenantId}</Text>
                  {issue.message && <Text size={200}> — {issue.message}</Text>}
                </li>
              ))}
            </ul>
          </section>
        ))}
      </PopoverSurface>
    </Popover>
  );
}
