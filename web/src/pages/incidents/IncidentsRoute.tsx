// `/incidents` is the queue; `/incidents/<id>` one incident.
import { useLocation } from "../../router";
import { IncidentPage } from "./IncidentPage";
import { IncidentsPage } from "./IncidentsPage";

export function IncidentsRoute() {
  const { path } = useLocation();
  const id = path.match(/^\/incidents\/([^/]+)$/)?.[1];
  return id ? <IncidentPage id={decodeURIComponent(id)} /> : <IncidentsPage />;
}
