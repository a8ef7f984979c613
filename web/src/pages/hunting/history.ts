// Query history, kept in this browser per user (most recent first, at most 50, no repeats).
export interface HistoryEntry {
  query: string;
  ranAt: string;
  rowCount: number;
  tenantCount: number;
}

const LIMIT = 50;

export function loadHistory(userId: string): HistoryEntry[] {
  try {
    const parsed = JSON.parse(localStorage.getItem(`panoptes.history.${userId}`) ?? "[]");
    return Array.isArray(parsed) ? (parsed as HistoryEntry[]) : [];
  } catch {
    return [];
  }
}

export function addToHistory(userId: string, entry: HistoryEntry): HistoryEntry[] {
  const next = [entry, ...loadHistory(userId).filter((e) => e.query.trim() !== entry.query.trim())].slice(0, LIMIT);
  localStorage.setItem(`panoptes.history.${userId}`, JSON.stringify(next));
  return next;
}
