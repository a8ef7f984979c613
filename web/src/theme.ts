import { webDarkTheme, webLightTheme, type Theme } from "@fluentui/react-components";

export type ThemeName = "light" | "dark";

export function initialTheme(): ThemeName {
  const saved = localStorage.getItem("panoptes.theme");
  if (saved === "light" || saved === "dark") return saved;
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function themeOf(name: ThemeName): Theme {
  return name === "dark" ? webDarkTheme : webLightTheme;
}
