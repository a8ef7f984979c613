// The schema pane: tables and their columns with types, and in how many of the scope's
// tenants each table holds data. Click a name to insert it into the query.
import { Badge, Input, Text, Tree, TreeItem, TreeItemLayout, makeStyles, tokens } from "@fluentui/react-components";
import { useState } from "react";
import type { SchemaTable } from "../../api/types";

const useStyles = makeStyles({
  pane: { display: "flex", flexDirection: "column", gap: "6px", height: "100%", minHeight: 0 },
  list: { overflowY: "auto", flex: 1 },
  type: { color: tokens.colorNeutralForeground3, marginLeft: "6px" },
});

export function SchemaPane(props: { tables: SchemaTable[]; scopeTenantIds: string[]; onInsert: (text: string) => void }) {
  const styles = useStyles();
  const [filter, setFilter] = useState("");
  const needle = filter.toLowerCase();
  const shown = props.tables.filter((t) => t.name.toLowerCase().includes(needle) || t.columns.some((c) => c.name.toLowerCase().includes(needle)));
  const scope = new Set(props.scopeTenantIds);
  return (
    <div className={styles.pane}>
      <Input size="small" placeholder="Search schema" value={filter} onChange={(_, d) => setFilter(d.value)} aria-label="Search schema" />
      <div className={styles.list}>
        <Tree aria-label="Schema" size="small">
          {shown.map((table) => {
            const withData = table.tenantsWithData.filter((t) => scope.has(t)).length;
            return (
              <TreeItem key={table.name} itemType="branch" value={table.name}>
                <TreeItemLayout
                  title={table.description}
                  aside={<Badge size="small" appearance="tint" color={withData ? "brand" : "subtle"} title={`holds data in ${withData} of ${scope.size} tenants in scope`}>{withData}/{scope.size}</Badge>}
                  onDoubleClick={() => props.onInsert(table.name)}
                >
                  {table.name}
                </TreeItemLayout>
                <Tree>
                  {table.columns.filter((c) => !needle || table.name.toLowerCase().includes(needle) || c.name.toLowerCase().includes(needle)).map((column) => (
                    <TreeItem key={column.name} itemType="leaf" value={`${table.name}.${column.name}`} onClick={() => props.onInsert(column.name)}>
                      <TreeItemLayout>
                        {column.name}
                        <Text size={200} className={styles.type}>{column.type}</Text>
                      </TreeItemLayout>
                    </TreeItem>
                  ))}
                </Tree>
              </TreeItem>
            );
          })}
        </Tree>
      </div>
    </div>
  );
}
