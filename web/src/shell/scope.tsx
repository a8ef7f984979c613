// The tenant scope every page works on: all tenants in the principal's view, one tenant group,
// or a hand-picked set. Kept per user in localStorage so a reload reopens the same scope.
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api } from "../api/client";
import type { TenantGroup, TenantView } from "../api/types";
import { useSession } from "../session";

export type ScopeChoice = { kind: "view" } | { kind: "group"; groupId: string } | { kind: "tenants"; tenantIds: string[] };

interface ScopeValue {
  choice: ScopeChoice;
  setChoice: (choice: ScopeChoice) => void;
  /** Tenants of the current scope the principal reaches. */
  tenants: TenantView[];
  groups: TenantGroup[];
  reloadGroups: () => Promise<void>;
  label: string;
}

const ScopeContext = createContext<ScopeValue | null>(null);

export function useScope(): ScopeValue {
  const value = useContext(ScopeContext);
  if (!value) throw new Error("useScope outside the shell");
  return value;
}

/** The tenants a choice covers, out of those the principal has in view. */
export function resolveScope(choice: ScopeChoice, reachable: TenantView[], groups: TenantGroup[]): TenantView[] {
  const inView = reachable.filter((t) => t.inView);
  if (choice.kind === "group") {
    const group = groups.find((g) => g.id === choice.groupId);
    return group ? reachable.filter((t) => group.tenantIds.includes(t.tenantId)) : inView;
  }
  if (choice.kind === "tenants") {
    const picked = reachable.filter((t) => choice.tenantIds.includes(t.tenantId));
    return picked.length > 0 ? picked : inView;
  }
  return inView;
}

export function ScopeProvider(props: { children: ReactNode }) {
  const { me } = useSession();
  const storageKey = `panoptes.scope.${me.id}`;
  const [choice, setChoiceState] = useState<ScopeChoice>(() => {
    try {
      return (JSON.parse(localStorage.getItem(storageKey) ?? "") as ScopeChoice) ?? { kind: "view" };
    } catch {
      return { kind: "view" };
    }
  });
  const [groups, setGroups] = useState<TenantGroup[]>([]);
  const reloadGroups = async () => {
    try {
      setGroups((await api<{ value: TenantGroup[] }>("/api/v1/me/tenantGroups")).value);
    } catch {
      setGroups([]);
    }
  };
  useEffect(() => {
    void reloadGroups();
  }, [me.id]);
  const setChoice = (next: ScopeChoice) => {
    localStorage.setItem(storageKey, JSON.stringify(next));
    setChoiceState(next);
  };
  const value = useMemo(() => {
    const tenants = resolveScope(choice, me.tenants, groups);
    const group = choice.kind === "group" ? groups.find((g) => g.id === choice.groupId) : undefined;
    const label = group
      ? `${group.displayName} (${tenants.length})`
      : choice.kind === "tenants" && tenants.length === 1
        ? tenants[0].tenantName
        : choice.kind === "tenants"
          ? `${tenants.length} tenants`
          : `All tenants in view (${tenants.length})`;
    return { choice, setChoice, tenants, groups, reloadGroups, label };
  }, [choice, me.tenants, groups]);
  return <ScopeContext.Provider value={value}>{props.children}</ScopeContext.Provider>;
}
