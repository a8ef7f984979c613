// Left navigation, in the order of Defender's multi-tenant portal. Links are real anchors so
// keyboard, middle-click and screen readers behave; clicks route without a reload.
import { Text, makeStyles, mergeClasses, tokens } from "@fluentui/react-components";
import { lazy, type ComponentType, type MouseEvent } from "react";
import { navigate } from "../router";
import { NotYetPage } from "../pages/NotYetPage";

// Pages load on first visit: the sign-in page and the shell need none of them.
const HuntingPage = lazy(() => import("../pages/hunting/HuntingPage").then((m) => ({ default: m.HuntingPage })));
const TenantsPage = lazy(() => import("../pages/settings/TenantsPage").then((m) => ({ default: m.TenantsPage })));
const IncidentsRoute = lazy(() => import("../pages/incidents/IncidentsRoute").then((m) => ({ default: m.IncidentsRoute })));
const RulesPage = lazy(() => import("../pages/rules/RulesPage").then((m) => ({ default: m.RulesPage })));
const AccessPage = lazy(() => import("../pages/settings/AccessPage").then((m) => ({ default: m.AccessPage })));

interface Entry {
  path: string;
  label: string;
  page: ComponentType;
}

const SECTIONS: { title: string; entries: Entry[] }[] = [
  { title: "Investigation & response", entries: [{ path: "/incidents", label: "Incidents & alerts", page: IncidentsRoute }] },
  {
    title: "Hunting",
    entries: [
      { path: "/hunting", label: "Advanced hunting", page: HuntingPage },
      { path: "/rules", label: "Custom detection rules", page: RulesPage },
    ],
  },
  { title: "Assets", entries: [{ path: "/devices", label: "Devices", page: () => <NotYetPage title="Devices" /> }] },
  { title: "Endpoints", entries: [{ path: "/vulnerabilities", label: "Vulnerability management", page: () => <NotYetPage title="Vulnerability management" /> }] },
  {
    title: "Configuration",
    entries: [
      { path: "/settings/tenants", label: "Settings › Tenants", page: TenantsPage },
      { path: "/settings/access", label: "Settings › Access", page: AccessPage },
    ],
  },
];

export function pageFor(path: string): ComponentType {
  for (const section of SECTIONS) {
    for (const entry of section.entries) if (path === entry.path || path.startsWith(`${entry.path}/`)) return entry.page;
  }
  return () => <NotYetPage title="Page not found" missing />;
}

const useStyles = makeStyles({
  nav: {
    width: "232px", flexShrink: 0, overflowY: "auto", padding: "8px 0",
    backgroundColor: tokens.colorNeutralBackground1, borderRight: `1px solid ${tokens.colorNeutralStroke2}`,
  },
  title: { display: "block", padding: "12px 16px 4px", color: tokens.colorNeutralForeground3 },
  link: {
    display: "block", padding: "7px 16px 7px 20px", color: tokens.colorNeutralForeground1, textDecoration: "none",
    borderLeft: "3px solid transparent",
    ":hover": { backgroundColor: tokens.colorNeutralBackground1Hover },
    ":focus-visible": { outline: `2px solid ${tokens.colorStrokeFocus2}`, outlineOffset: "-2px" },
  },
  active: { borderLeft: `3px solid ${tokens.colorBrandStroke1}`, backgroundColor: tokens.colorNeutralBackground1Selected, fontWeight: 600 },
});

export function Nav(props: { path: string }) {
  const styles = useStyles();
  const follow = (event: MouseEvent, to: string) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <nav className={styles.nav} aria-label="Main">
      {SECTIONS.map((section) => (
        <div key={section.title}>
          <Text size={200} weight="semibold" className={styles.title}>{section.title}</Text>
          {section.entries.map((entry) => {
            const active = props.path === entry.path || props.path.startsWith(`${entry.path}/`);
            return (
              <a
                key={entry.path}
                href={entry.path}
                className={mergeClasses(styles.link, active && styles.active)}
                aria-current={active ? "page" : undefined}
                onClick={(e) => follow(e, entry.path)}
              >
                {entry.label}
              </a>
            );
          })}
        </div>
      ))}
    </nav>
  );
}
