import { FluentProvider, Spinner } from "@fluentui/react-components";
import { useState } from "react";
import { SessionProvider, useSessionState } from "./session";
import { SignInPage } from "./pages/SignInPage";
import { Shell } from "./shell/Shell";
import { ThemeNameContext, initialTheme, themeOf, type ThemeName } from "./theme";

export function App() {
  const [theme, setTheme] = useState<ThemeName>(initialTheme);
  const [session, reload] = useSessionState();
  const toggleTheme = () => {
    const next = theme === "dark" ? "light" : "dark";
    localStorage.setItem("panoptes.theme", next);
    setTheme(next);
  };
  return (
    <ThemeNameContext.Provider value={theme}>
    <FluentProvider theme={themeOf(theme)} style={{ height: "100%" }} data-theme={theme}>
      {session.kind === "loading" && <Spinner label="Loading Panoptes" style={{ marginTop: "20vh" }} />}
      {session.kind === "signedOut" && <SignInPage reason={session.reason} onSignedIn={reload} />}
      {session.kind === "signedIn" && (
        <SessionProvider me={session.me} reload={reload}>
          <Shell theme={theme} onToggleTheme={toggleTheme} />
        </SessionProvider>
      )}
    </FluentProvider>
    </ThemeNameContext.Provider>
  );
}
