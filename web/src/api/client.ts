// The console's only way to the server: the public /api/v1, with the session cookie and the
// CSRF token (double submit) on every state-changing request.

/** An error answer of the API (a JSON problem body), or a network failure. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

type Listener = () => void;
const expiryListeners = new Set<Listener>();

/** Called when the server answers 401 to a signed-in console: the session has ended. */
export function onSessionExpired(listener: Listener): () => void {
  expiryListeners.add(listener);
  return () => expiryListeners.delete(listener);
}

export function csrfToken(): string {
  const match = document.cookie.split("; ").find((c) => c.startsWith("panoptes_csrf="));
  return match ? decodeURIComponent(match.slice("panoptes_csrf=".length)) : "";
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  accept?: string;
}

/** Sends a request and returns the raw response, throwing an ApiError for error answers. */
export async function send(path: string, options: RequestOptions = {}): Promise<Response> {
  const method = options.method ?? (options.body === undefined ? "GET" : "POST");
  const headers: Record<string, string> = { accept: options.accept ?? "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-csrf-token"] = csrfToken();
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      credentials: "same-origin",
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError("the server cannot be reached; check that panoptes is running", 0, "Unreachable");
  }
  if (!response.ok) throw await problem(response, path);
  return response;
}

/** Sends a request and parses its JSON answer. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

async function problem(response: Response, path: string): Promise<ApiError> {
  let body: { message?: string; code?: string; requestId?: string } = {};
  try {
    body = ((await response.json()) as { error?: typeof body }).error ?? {};
  } catch {
    // Not an error body (a proxy's page): keep the status.
  }
  if (response.status === 401 && !path.startsWith("/api/v1/auth/")) {
    expiryListeners.forEach((listener) => listener());
  }
  const message = body.message ?? `${response.status} ${response.statusText}`;
  return new ApiError(message, response.status, body.code ?? String(response.status), body.requestId);
}
