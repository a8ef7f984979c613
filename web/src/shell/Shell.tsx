// The console's frame, modelled on Defender's multi-tenant portal: navigation on the left; the
// tenant scope, data-status indicator, theme and account on top; the page in the middle.
import { Button, Spinner, Menu, MenuItem, MenuList, MenuPopover, MenuTrigger, Text, makeStyles, tokens } from "@fluentui/react-components";
import { Navigation20Regular, Person20Regular, WeatherMoon20Regular, WeatherSunny20Regular } from "@fluentui/react-icons";
import { Suspense, useEffect, useState } from "react";
import { navigate, useLocation } from "../router";
import { useSession } from "../session";
import type { ThemeName } from "../theme";
import { DataStatusProvider } from "./dataStatus";
import { DataStatusIndicator } from "./DataStatusIndicator";
import { Nav, pageFor } from "./Nav";
import { ScopePicker } from "./ScopePicker";
import { ScopeProvider } from "./scope";

const useStyles = makeStyles({
  root: { display: "grid", gridTemplateRows: "48px 1fr", height: "100vh", backgroundColor: tokens.colorNeutralBackground2 },
  header: {
    display: "flex", alignItems: "center", gap: "8px", padding: "0 12px",
    backgroundColor: tokens.colorNeutralBackground1, borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
  },
  body: { display: "flex", minHeight: 0 },
  main: { flex: 1, minWidth: 0, overflow: "auto", padding: "16px 20px" },
  spacer: { flex: 1 },
});

export function Shell(props: { theme: ThemeName; onToggleTheme: () => void }) {
  const styles = useStyles();
  const { me, signOut } = useSession();
  const location = useLocation();
  const [navOpen, setNavOpen] = useState(() => window.innerWidth > 1100);
  const atRoot = location.path === "/" || location.path === "";
  useEffect(() => {
    if (atRoot) navigate("/hunting", { replace: true });
  }, [atRoot]);
  const path = atRoot ? "/hunting" : location.path;
  const Page = pageFor(path);
  return (
    <ScopeProvider>
      <DataStatusProvider>
        <div className={styles.root}>
          <header className={styles.header}>
            <Button appearance="subtle" icon={<Navigation20Regular />} aria-label="Toggle navigation" aria-expanded={navOpen} onClick={() => setNavOpen(!navOpen)} />
            <Text weight="semibold" size={400}>Panoptes</Text>
            <ScopePicker />
            <span className={styles.spacer} />
            <DataStatusIndicator />
            <Button
              appearance="subtle"
              aria-label={props.theme === "dark" ? "Use the light theme" : "Use the dark theme"}
              icon={props.theme === "dark" ? <WeatherSunny20Regular /> : <WeatherMoon20Regular />}
              onClick={props.onToggleTheme}
            />
            <Menu>
              <MenuTrigger disableButtonEnhancement>
                <Button appearance="subtle" icon={<Person20Regular />} data-testid="account">{me.name}</Button>
              </MenuTrigger>
              <MenuPopover>
                <MenuList>
                  <MenuItem onClick={() => void signOut()}>Sign out</MenuItem>
                </MenuList>
              </MenuPopover>
            </Menu>
          </header>
          <div className={styles.body}>
            {navOpen && <Nav path={path} />}
            <main className={styles.main}>
              <Suspense fallback={<Spinner label="Loading" />}>
                <Page key={path} />
              </Suspense>
            </main>
          </div>
        </div>
      </DataStatusProvider>
    </ScopeProvider>
  );
}
