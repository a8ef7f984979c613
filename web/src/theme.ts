import { webDarkTheme, webLightTheme, type Theme } from "@fluentui/react-components";
import { createContext } from "react";

export type ThemeName = "light" | "dark";

export function initialTheme(): ThemeName {
  const saved = localStorage.getItem("panoptes.theme");
  if (saved === "light" || saved === "dark") return saved;
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function themeOf(name: ThemeName): Theme {
  return name === "dark" ? webDarkTheme : webLightTheme;
}

/** The theme in use, for parts drawn outside Fluent (charts). */
export const ThemeNameContext = createContext<ThemeName>("light");
