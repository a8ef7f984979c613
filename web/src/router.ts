// A small path router over the History API: the console's pages are few and flat, and every
// URL reopens the same view after a reload (the server answers index.html for them).
import { useEffect, useState } from "react";

const listeners = new Set<() => void>();

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  listeners.forEach((l) => l());
}

/** The current path and query string, re-rendering on navigation. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const [location, setLocation] = useState(() => ({ path: window.location.pathname, search: window.location.search }));
  useEffect(() => {
    const update = () => setLocation({ path: window.location.pathname, search: window.location.search });
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return { path: location.path, search: new URLSearchParams(location.search) };
}
