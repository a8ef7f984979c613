// Who is signed in, and the tenants it reaches; the whole console reads this.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api, onSessionExpired } from "./api/client";
import type { Me } from "./api/types";

interface SessionValue {
  me: Me;
  /** Reloads the principal and its tenants (after a change in settings). */
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside a signed-in console");
  return value;
}

export type SessionState =
  | { kind: "loading" }
  | { kind: "signedOut"; reason?: string }
  | { kind: "signedIn"; me: Me };

/** Loads `/me`; a 401 (now or on any later call) returns to the sign-in page with a reason. */
export function useSessionState(): [SessionState, () => Promise<void>] {
  const [state, setState] = useState<SessionState>({ kind: "loading" });
  const load = useCallback(async () => {
    try {
      setState({ kind: "signedIn", me: await api<Me>("/api/v1/me") });
    } catch {
      setState({ kind: "signedOut" });
    }
  }, []);
  useEffect(() => {
    void load();
    return onSessionExpired(() =>
      setState((s) => (s.kind === "signedIn" ? { kind: "signedOut", reason: "Your session has ended. Sign in again." } : s)),
    );
  }, [load]);
  return [state, load];
}

export function SessionProvider(props: { me: Me; reload: () => Promise<void>; children: ReactNode }) {
  const signOut = useCallback(async () => {
    try {
      await api("/api/v1/auth/signOut", { method: "POST" });
    } finally {
      await props.reload();
    }
  }, [props]);
  return (
    <SessionContext.Provider value={{ me: props.me, refresh: props.reload, signOut }}>{props.children}</SessionContext.Provider>
  );
}
