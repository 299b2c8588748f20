import type { JaegerTrace } from '@meshscope/query/api';

/** Saves the trace as Jaeger JSON (`{"data":[trace]}`), the shape Jaeger UI's "upload JSON" reads back. */
export function downloadTraceJson(trace: JaegerTrace): void {
  const blob = new Blob([JSON.stringify({ data: [trace] }, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `trace-${trace.traceID}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  // revoke on the next task: the download has started by then
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
