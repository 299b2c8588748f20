/** The OTLP sink in its own process, so that receiving exports never delays the load generator. */
import { startSink } from './sink.js';

const sink = await startSink();
process.send?.({ url: sink.url });
process.on('message', (m) => {
  if (m === 'stats') process.send?.({ requests: sink.requests, bytes: sink.bytes });
});
process.on('disconnect', () => {
  void sink.close().then(() => process.exit(0));
});
