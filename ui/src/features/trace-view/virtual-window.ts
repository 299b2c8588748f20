/**
 * Which rows of a fixed-row-height list to render for a scroll position: the visible ones plus `overscan`
 * on each side, so a fast scroll does not flash empty rows. Everything else is not in the DOM at all.
 */
export interface RowWindow {
  /** first row to render, inclusive */
  first: number;
  /** last row to render, exclusive */
  end: number;
}

export function rowWindow(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  rowCount: number,
  overscan = 10,
): RowWindow {
  if (rowCount <= 0 || rowHeight <= 0) return { first: 0, end: 0 };
  const top = Math.max(0, scrollTop);
  const firstVisible = Math.min(rowCount - 1, Math.floor(top / rowHeight));
  const lastVisible = Math.min(rowCount, Math.ceil((top + Math.max(0, viewportHeight)) / rowHeight));
  return { first: Math.max(0, firstVisible - overscan), end: Math.min(rowCount, lastVisible + overscan) };
}

/** The scrollTop that brings a row into view (centred), or null when it is already fully visible. */
export function scrollToReveal(
  row: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
): number | null {
  const top = row * rowHeight;
  if (top >= scrollTop && top + rowHeight <= scrollTop + viewportHeight) return null;
  return Math.max(0, top - viewportHeight / 2 + rowHeight / 2);
}
