import { useCallback, useEffect, useRef, type RefObject } from 'react';

/**
 * Pan (drag) and zoom (wheel, buttons) by writing the transform attribute directly: at 300 nodes a React
 * render per pointer move would be the slowest thing on the page, and nothing else depends on the view.
 */

export interface ViewTransform {
  x: number;
  y: number;
  k: number;
}

const MIN_SCALE = 0.05;
const MAX_SCALE = 4;
/** below this scale, 11 px labels are under 5 px on screen */
const LABEL_MIN_SCALE = 0.45;
const clampScale = (k: number): number => Math.min(MAX_SCALE, Math.max(MIN_SCALE, k));

/** The transform that fits a `width`×`height` drawing into the viewport with a margin. */
export function fitTransform(
  width: number,
  height: number,
  viewWidth: number,
  viewHeight: number,
): ViewTransform {
  if (width <= 0 || height <= 0 || viewWidth <= 0 || viewHeight <= 0) return { x: 0, y: 0, k: 1 };
  const k = clampScale(Math.min(1.5, (viewWidth - 20) / width, (viewHeight - 20) / height));
  return { x: (viewWidth - width * k) / 2, y: (viewHeight - height * k) / 2, k };
}

/** Zoom by `factor` keeping the point (px, py) of the viewport still. */
export function zoomAt(t: ViewTransform, factor: number, px: number, py: number): ViewTransform {
  const k = clampScale(t.k * factor);
  const ratio = k / t.k;
  return { k, x: px - (px - t.x) * ratio, y: py - (py - t.y) * ratio };
}

export function usePanZoom(
  svgRef: RefObject<SVGSVGElement | null>,
  layerRef: RefObject<SVGGElement | null>,
  content: { width: number; height: number; key: string },
) {
  const transform = useRef<ViewTransform>({ x: 0, y: 0, k: 1 });
  /** set once the person pans or zooms: from then on a resize (a side panel opening) keeps their view */
  const moved = useRef(false);

  const apply = useCallback(
    (next: ViewTransform) => {
      transform.current = next;
      layerRef.current?.setAttribute('transform', `translate(${next.x},${next.y}) scale(${next.k})`);
      // Text too small to read is not drawn: it clutters a big graph and costs paint time on every move.
      svgRef.current?.classList.toggle('zoomed-out', next.k < LABEL_MIN_SCALE);
    },
    [layerRef, svgRef],
  );

  const fit = useCallback(() => {
    const box = svgRef.current?.getBoundingClientRect();
    if (box) apply(fitTransform(content.width, content.height, box.width, box.height));
    moved.current = false;
  }, [apply, svgRef, content.width, content.height]);

  // Re-fit when the structure changes (not when only numbers refresh), and when the viewport changes size
  // while the person has not moved the view themselves.
  useEffect(fit, [content.key, fit]);
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return undefined;
    const observer = new ResizeObserver(() => {
      if (!moved.current) fit();
    });
    observer.observe(svg);
    return () => observer.disconnect();
  }, [fit, svgRef]);

  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return undefined;
    let drag: { x: number; y: number; start: ViewTransform; moved: boolean } | null = null;
    const onWheel = (e: WheelEvent): void => {
      e.preventDefault();
      moved.current = true;
      const box = svg.getBoundingClientRect();
      apply(
        zoomAt(transform.current, Math.exp(-e.deltaY * 0.0015), e.clientX - box.left, e.clientY - box.top),
      );
    };
    const onDown = (e: PointerEvent): void => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, start: transform.current, moved: false };
    };
    const onMove = (e: PointerEvent): void => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) svg.setPointerCapture(e.pointerId);
      drag.moved = true;
      moved.current = true;
      svg.classList.add('panning');
      apply({ ...drag.start, x: drag.start.x + dx, y: drag.start.y + dy });
    };
    const onUp = (e: PointerEvent): void => {
      if (drag?.moved) {
        // swallow the click that ends a drag, so panning never selects what is under the pointer
        svg.addEventListener('click', (c) => c.stopPropagation(), { capture: true, once: true });
        svg.releasePointerCapture(e.pointerId);
      }
      drag = null;
      svg.classList.remove('panning');
    };
    svg.addEventListener('wheel', onWheel, { passive: false });
    svg.addEventListener('pointerdown', onDown);
    svg.addEventListener('pointermove', onMove);
    svg.addEventListener('pointerup', onUp);
    return () => {
      svg.removeEventListener('wheel', onWheel);
      svg.removeEventListener('pointerdown', onDown);
      svg.removeEventListener('pointermove', onMove);
      svg.removeEventListener('pointerup', onUp);
    };
  }, [apply, svgRef]);

  const zoomBy = useCallback(
    (factor: number) => {
      const box = svgRef.current?.getBoundingClientRect();
      moved.current = true;
      if (box) apply(zoomAt(transform.current, factor, box.width / 2, box.height / 2));
    },
    [apply, svgRef],
  );
  return { fit, zoomBy };
}
