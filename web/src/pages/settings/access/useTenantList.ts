// Loads one list of a tenant's access resource, with a reload and the error wording.
import { useCallback, useEffect, useState } from "react";
import { ApiError, api } from "../../../api/client";

export function useTenantList<T>(path: string | null): { items: T[]; loading: boolean; error: string | null; reload: () => void } {
  const [items, setItems] = useState<T[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    if (!path) return;
    api<{ value: T[] }>(path).then(
      (r) => {
        setItems(r.value);
        setError(null);
        setLoading(false);
      },
      (e) => {
        setItems([]);
        setError(e instanceof ApiError ? e.message : String(e));
        setLoading(false);
      },
    );
  }, [path]);
  useEffect(reload, [reload]);
  return { items, loading, error, reload };
}

/** Runs a change and words its failure; returns whether it succeeded. */
export async function attempt(work: () => Promise<unknown>, onError: (message: string) => void): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (e) {
    onError(e instanceof ApiError ? e.message : String(e));
    return false;
  }
}
