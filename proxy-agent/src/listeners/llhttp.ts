/**
 * Node's own llhttp binding, the parser `node:http` uses (`HTTPParser` from `_http_common`), shared by
 * the upstream client (h1-client.ts) and the listeners' server (h1-server.ts). `_http_common` is not a
 * documented module; it has carried `HTTPParser` with these callback slots since Node 12, and the two
 * modules' tests are what tell us when a Node upgrade changes it (ADR 0004).
 */
import { createRequire } from 'node:module';

export interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  [k: number]: unknown;
}

interface ParserClass {
  new (): NativeParser;
  REQUEST: number;
  RESPONSE: number;
  kOnMessageBegin: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
}

const common = createRequire(import.meta.url)('_http_common') as {
  HTTPParser: ParserClass;
  methods: string[];
};

export const HTTPParser = common.HTTPParser;
/** method names by the index llhttp reports in kOnHeadersComplete */
export const METHODS: readonly string[] = common.methods;
export const kOnMessageBegin = HTTPParser.kOnMessageBegin | 0;
export const kOnHeaders = HTTPParser.kOnHeaders | 0;
export const kOnHeadersComplete = HTTPParser.kOnHeadersComplete | 0;
export const kOnBody = HTTPParser.kOnBody | 0;
export const kOnMessageComplete = HTTPParser.kOnMessageComplete | 0;
