import type { CriticalPath } from '@meshscope/query/api';

/** Critical-path sections grouped per span, to draw them over that span's bar. */
export function sectionsBySpan(path: CriticalPath): Map<string, { startUs: number; endUs: number }[]> {
  const bySpan = new Map<string, { startUs: number; endUs: number }[]>();
  for (const section of path.sections) {
    const list = bySpan.get(section.spanID) ?? [];
    list.push({ startUs: section.sectionStart, endUs: section.sectionEnd });
    bySpan.set(section.spanID, list);
  }
  return bySpan;
}
