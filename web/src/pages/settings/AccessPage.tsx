import { NotYetPage } from "../NotYetPage";

/** Settings › Access; the full page (users, guests, delegations, roles, tokens, audit) is next. */
export function AccessPage() {
  return <NotYetPage title="Settings › Access" />;
}
