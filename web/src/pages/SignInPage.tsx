// Local password sign-in, and the OpenID provider of the user's organization: typing an
// address whose e-mail domain a tenant's provider claims offers that provider (home-realm
// discovery), and an administrator's link can name one (`/?provider=<id>`). Provider lists
// are not public, so they cannot be enumerated.
import { Button, Card, Field, Input, MessageBar, MessageBarBody, Title2, Text, makeStyles, tokens } from "@fluentui/react-components";
import { useEffect, useState, type FormEvent } from "react";
import { ApiError, api } from "../api/client";

const useStyles = makeStyles({
  page: { display: "flex", alignItems: "center", justifyContent: "center", minHeight: "100%", backgroundColor: tokens.colorNeutralBackground2 },
  card: { width: "360px", padding: "28px", display: "flex", flexDirection: "column", gap: "14px" },
});

export function SignInPage(props: { reason?: string; onSignedIn: () => Promise<void> }) {
  const styles = useStyles();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const provider = new URLSearchParams(window.location.search).get("provider");
  const discovered = useDiscoveredProvider(username);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api("/api/v1/auth/signIn", { body: { username, password } });
      await props.onSignedIn();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "sign-in failed");
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className={styles.page}>
      <Card className={styles.card}>
        <Title2 as="h1">Panoptes</Title2>
        <Text>Sign in to the security operations console</Text>
        {props.reason && (
          <MessageBar intent="warning">
            <MessageBarBody>{props.reason}</MessageBarBody>
          </MessageBar>
        )}
        {error && (
          <MessageBar intent="error" role="alert">
            <MessageBarBody>{error}</MessageBarBody>
          </MessageBar>
        )}
        <form onSubmit={submit} style={{ display: "flex", flexDirection: "column", gap: "12px" }}>
          <Field label="User name" required>
            <Input name="username" value={username} onChange={(_, d) => setUsername(d.value)} autoComplete="username" autoFocus />
          </Field>
          <Field label="Password" required>
            <Input name="password" type="password" value={password} onChange={(_, d) => setPassword(d.value)} autoComplete="current-password" />
          </Field>
          <Button appearance="primary" type="submit" disabled={busy || !username || !password}>
            {busy ? "Signing in…" : "Sign in"}
          </Button>
        </form>
        {discovered && (
          <Button as="a" appearance="primary" href={discovered.signInUrl} data-testid="discovered-provider">
            Sign in with {discovered.displayName} ({discovered.tenantName})
          </Button>
        )}
        {provider && !discovered && (
          <Button as="a" href={`/api/v1/auth/oidc/${encodeURIComponent(provider)}/start`}>
            Sign in with your organization's identity provider
          </Button>
        )}
      </Card>
    </main>
  );
}

interface Discovered { displayName: string; tenantName: string; signInUrl: string }

/** The provider that signs in the typed address's domain, asked once typing pauses. */
function useDiscoveredProvider(username: string): Discovered | null {
  const [found, setFound] = useState<Discovered | null>(null);
  useEffect(() => {
    setFound(null);
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(username.trim())) return;
    let current = true;
    const timer = window.setTimeout(() => {
      api<{ provider: Discovered | null }>("/api/v1/auth/discover", { body: { username: username.trim() } }).then(
        (answer) => current && setFound(answer.provider),
        () => undefined, // discovery is a convenience: the password form still works
      );
    }, 350);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [username]);
  return found;
}
