import { mkdtemp, rm } from 'node:fs/promises';
import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ClickHouseError, ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outlineSql } from '../src/fixtures/clickhouse-http-shim-lexer.js';
import { startClickHouseHttpShim, type ClickHouseHttpShim } from '../src/index.js';

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request on its own connection, body bytes as sent and received (no automatic decompression). */
function raw(
  url: string,
  init: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: init.method ?? 'POST', headers: init.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

// Failures are expected here; the client would log each one.
const quiet = { log: { level: ClickHouseLogLevel.OFF } };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  return port;
}

async function rows<T>(
  client: ClickHouseClient,
  query: string,
  params?: Record<string, unknown>,
): Promise<T[]> {
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => new Error('expected a failure'),
    (err: unknown) => err,
  );
}

describe('outlineSql', () => {
  it('finds the statement, its output format and a second statement outside strings and comments', () => {
    expect(outlineSql("SELECT ';' AS `a;b` -- ; x\nFORMAT JSONEachRow;")).toEqual({
      head: 'SELECT',
      format: 'JSONEachRow',
      secondStatementAt: undefined,
    });
    expect(outlineSql('SELECT 1; DROP TABLE t').secondStatementAt).toBe(10);
    expect(outlineSql('/* a /* nested */ ; */ select 1 AS format').format).toBeUndefined();
    expect(outlineSql('INSERT INTO t FORMAT JSONEachRow\n{"s":"x; DROP TABLE t"}')).toEqual({
      head: 'INSERT',
      format: undefined,
      secondStatementAt: undefined,
    });
    expect(outlineSql('  -- nothing\n').head).toBe('');
  });
});

describe('ClickHouse HTTP shim with @clickhouse/client', () => {
  let dataDir: string;
  let shim: ClickHouseHttpShim;
  let client: ClickHouseClient;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'meshscope-ch-shim-'));
    shim = await startClickHouseHttpShim({ dataDir, port: 0, host: '127.0.0.1' });
    client = createClient({
      ...quiet,
      url: shim.url,
      username: 'default',
      password: '',
      compression: { request: true, response: true },
      keep_alive: { enabled: true, idle_socket_ttl: 2_500 },
    });
    await client.command({ query: 'CREATE DATABASE shim_db' });
  });

  afterAll(async () => {
    await client?.close();
    await shim?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('answers ping on /ping and with a SELECT', async () => {
    expect(await client.ping()).toEqual({ success: true });
    expect(await client.ping({ select: true })).toEqual({ success: true });
    const res = await raw(`${shim.url}/ping`, { method: 'GET' });
    expect([res.status, res.body.toString()]).toEqual([200, 'Ok.\n']);
  });

  it('inserts JSONEachRow objects, JSONCompactEachRow arrays and object streams, and reports written rows', async () => {
    await client.command({
      query: `CREATE TABLE shim_db.events (id UInt32, name String, tags Array(String), attrs Map(String, String))
              ENGINE = MergeTree ORDER BY id`,
    });
    const objects = await client.insert({
      table: 'shim_db.events',
      values: [
        { id: 1, name: 'one', tags: ['a', 'b'], attrs: { k: 'v' } },
        { id: 2, name: 'two', tags: [], attrs: {} },
      ],
      format: 'JSONEachRow',
    });
    expect(objects.summary?.written_rows).toBe('2');
    await client.insert({
      table: 'shim_db.events',
      values: [[3, 'three', ['c'], { x: 'y' }]],
      format: 'JSONCompactEachRow',
    });
    await client.insert({
      table: 'shim_db.events',
      values: Readable.from([{ id: 4, name: 'four', tags: ['d'], attrs: { p: 'q' } }]),
      format: 'JSONEachRow',
    });
    expect(await rows(client, 'SELECT id, name, tags, attrs FROM shim_db.events ORDER BY id')).toEqual([
      { id: 1, name: 'one', tags: ['a', 'b'], attrs: { k: 'v' } },
      { id: 2, name: 'two', tags: [], attrs: {} },
      { id: 3, name: 'three', tags: ['c'], attrs: { x: 'y' } },
      { id: 4, name: 'four', tags: ['d'], attrs: { p: 'q' } },
    ]);
  });

  it('stores a batch exec-ed twice with the same insert_deduplication_token once', async () => {
    await client.command({
      query: `CREATE TABLE shim_db.dedup (id UInt32, s String) ENGINE = MergeTree ORDER BY id
              SETTINGS non_replicated_deduplication_window = 100`,
    });
    const insertOnce = () =>
      client.exec({
        query: "INSERT INTO shim_db.dedup SETTINGS insert_deduplication_token = 'x' FORMAT JSONEachRow",
        values: Readable.from(['{"id":1,"s":"a; b"}\n{"id":2,"s":"c"}\n']),
      });
    for (let attempt = 0; attempt < 2; attempt++) (await insertOnce()).stream.destroy();
    expect(await rows(client, 'SELECT id, s FROM shim_db.dedup ORDER BY id')).toEqual([
      { id: 1, s: 'a; b' },
      { id: 2, s: 'c' },
    ]);
  });

  it('binds query parameters verbatim: quotes, backslashes, placeholders and injection attempts', async () => {
    const tricky = [
      "it's",
      'back\\slash \\N \\t',
      '{x:String}',
      "'; DROP TABLE shim_db.params; --",
      'tab\there\nnewline\r',
      '"double" `back`',
      'ünïcödé ∑ 🚀',
      '',
    ];
    await client.command({
      query: 'CREATE TABLE shim_db.params (id UInt32, s String) ENGINE = MergeTree ORDER BY id',
    });
    await client.insert({
      table: 'shim_db.params',
      values: tricky.map((s, id) => ({ id, s })),
      format: 'JSONEachRow',
    });
    for (const [id, s] of tricky.entries()) {
      expect(await rows(client, 'SELECT id FROM shim_db.params WHERE s = {s:String}', { s })).toEqual([
        { id },
      ]);
      expect(await rows(client, 'SELECT {s:String} AS s', { s })).toEqual([{ s }]);
    }
    const map = { "it's": 1, 'back\\slash': 2, '{x:String}': 3 };
    expect(
      await rows(client, 'SELECT {a:Array(String)} AS a, {m:Map(String, UInt32)} AS m, {n:UInt32} AS n', {
        a: tricky,
        m: map,
        n: 42,
      }),
    ).toEqual([{ a: tricky, m: map, n: 42 }]);
    const found = 'SELECT count() AS c FROM shim_db.params WHERE has({a:Array(String)}, s)';
    expect(await rows(client, found, { a: tricky })).toEqual([{ c: tricky.length }]);
  });

  it('writes and reads Nested columns by their dotted names', async () => {
    await client.command({
      query: `CREATE TABLE shim_db.nested (id UInt32, attrs Nested(key String, value String))
              ENGINE = MergeTree ORDER BY id`,
    });
    await client.insert({
      table: 'shim_db.nested',
      values: [{ id: 1, 'attrs.key': ['a', 'b'], 'attrs.value': ['x', 'y'] }],
      format: 'JSONEachRow',
    });
    expect(await rows(client, 'SELECT id, attrs.key, attrs.value FROM shim_db.nested')).toEqual([
      { id: 1, 'attrs.key': ['a', 'b'], 'attrs.value': ['x', 'y'] },
    ]);
    const lookup = 'SELECT attrs.value[indexOf(attrs.key, {k:String})] AS v FROM shim_db.nested';
    expect(await rows(client, lookup, { k: 'b' })).toEqual([{ v: 'y' }]);
  });

  it('answers in the JSON format with meta, data and the X-ClickHouse-* headers', async () => {
    const rs = await client.query({ query: 'SELECT toUInt32(number) AS n FROM numbers(3)', format: 'JSON' });
    const json = await rs.json<{ n: number }>();
    expect(json.meta).toEqual([{ name: 'n', type: 'UInt32' }]);
    expect(json.data).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    expect(json.rows).toBe(3);
    expect(rs.response_headers['x-clickhouse-format']).toBe('JSON');
    expect(rs.response_headers['x-clickhouse-query-id']).toBe(rs.query_id);
    const summary = JSON.parse(String(rs.response_headers['x-clickhouse-summary'])) as Record<string, string>;
    expect(summary.result_rows).toBe('3');
  });

  it('applies settings per request: output_format_json_quote_64bit_integers, and nothing leaks', async () => {
    const big = 'SELECT toUInt64(9007199254740993) AS big';
    const quoted = await client.query({
      query: big,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
    });
    expect(await quoted.json()).toEqual([{ big: '9007199254740993' }]);
    const plain = await client.query({
      query: big,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    expect(typeof (await plain.json<{ big: unknown }>())[0]?.big).toBe('number');
    const setting = "SELECT toString(getSetting('max_block_size')) AS v";
    const withSetting = await client.query({
      query: setting,
      format: 'JSONEachRow',
      clickhouse_settings: { max_block_size: '1234' },
    });
    expect(await withSetting.json()).toEqual([{ v: '1234' }]);
    expect(await rows(client, setting)).not.toEqual([{ v: '1234' }]);
  });

  it('gzips responses when asked and gunzips request bodies', async () => {
    const rs = await client.query({ query: 'SELECT 1 AS one', format: 'JSONEachRow' });
    expect(rs.response_headers['content-encoding']).toBe('gzip');
    expect(await rs.json()).toEqual([{ one: 1 }]);
    const res = await raw(`${shim.url}/?enable_http_compression=1`, {
      headers: { 'Content-Encoding': 'gzip', 'Accept-Encoding': 'gzip' },
      body: gzipSync('SELECT 42 AS answer FORMAT TSV'),
    });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(res.body).toString()).toBe('42\n');
    const corrupt = await raw(shim.url, { headers: { 'Content-Encoding': 'gzip' }, body: 'not gzip' });
    expect(corrupt.headers['x-clickhouse-exception-code']).toBe('354');
  });

  it('reports a syntax error as the server does, and as a ClickHouseError with code 62', async () => {
    const err = await failure(client.query({ query: 'SELEC 1', format: 'JSONEachRow' }));
    expect(err).toBeInstanceOf(ClickHouseError);
    expect(err).toMatchObject({ code: '62', type: 'SYNTAX_ERROR' });
    const res = await raw(shim.url, { body: 'SELEC 1' });
    expect(res.status).toBe(400);
    expect(res.headers['x-clickhouse-exception-code']).toBe('62');
    expect(res.body.toString()).toMatch(
      /^Code: 62\. DB::Exception: .*\(SYNTAX_ERROR\) \(version [^)]+\)\n$/s,
    );
  });

  it('refuses several statements in one query, as the server does', async () => {
    const err = await failure(client.command({ query: 'SELECT 1; DROP TABLE shim_db.events' }));
    expect(err).toMatchObject({ code: '62', type: 'SYNTAX_ERROR' });
    expect(await rows(client, 'SELECT count() AS c FROM shim_db.events')).toEqual([{ c: 4 }]);
  });

  it('runs GET queries read-only and answers unknown databases with UNKNOWN_DATABASE', async () => {
    const res = await raw(
      `${shim.url}/?query=${encodeURIComponent('CREATE TABLE shim_db.x (a UInt8) ENGINE = Memory')}`,
      {
        method: 'GET',
      },
    );
    expect(res.headers['x-clickhouse-exception-code']).toBe('164');
    const inDb = createClient({ ...quiet, url: shim.url, database: 'shim_db' });
    expect(await rows(inDb, 'SELECT currentDatabase() AS db')).toEqual([{ db: 'shim_db' }]);
    await inDb.close();
    const missing = createClient({ ...quiet, url: shim.url, database: 'no_such_db' });
    expect(await failure(missing.query({ query: 'SELECT 1' }))).toMatchObject({ code: '81' });
    await missing.close();
  });

  it('takes query parameters from a multipart body', async () => {
    const multipart = createClient({ ...quiet, url: shim.url, use_multipart_params: true });
    expect(await rows(multipart, 'SELECT {s:String} AS s', { s: "it's\\" })).toEqual([{ s: "it's\\" }]);
    await multipart.close();
  });

  describe('with credentials', () => {
    let secured: ClickHouseHttpShim;

    beforeAll(async () => {
      secured = await startClickHouseHttpShim({ dataDir, user: 'meshscope', password: 's3cret' });
    });
    afterAll(() => secured?.close());

    it('accepts the configured user by Basic auth or X-ClickHouse headers and refuses a wrong password', async () => {
      const good = createClient({ ...quiet, url: secured.url, username: 'meshscope', password: 's3cret' });
      expect(await rows(good, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await good.close();
      const bad = createClient({ ...quiet, url: secured.url, username: 'meshscope', password: 'wrong' });
      expect(await failure(bad.query({ query: 'SELECT 1' }))).toMatchObject({
        code: '516',
        type: 'AUTHENTICATION_FAILED',
      });
      await bad.close();
      const headers = { 'X-ClickHouse-User': 'meshscope', 'X-ClickHouse-Key': 's3cret' };
      const viaHeaders = await raw(secured.url, { headers, body: 'SELECT 1' });
      expect([viaHeaders.status, viaHeaders.body.toString()]).toEqual([200, '1\n']);
      const anonymous = await raw(secured.url, { body: 'SELECT 1' });
      expect(anonymous.status).toBe(403);
      expect(anonymous.body.toString()).toMatch(/^Code: 516\. DB::Exception: default: Authentication failed/);
    });
  });
});

describe('ClickHouse HTTP shim availability', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'meshscope-ch-shim-'));
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('fails with ECONNREFUSED while nothing listens, then works once the shim starts on that port', async () => {
    const port = await freePort();
    const client = createClient({ ...quiet, url: `http://127.0.0.1:${port}` });
    expect(await failure(client.query({ query: 'SELECT 1' }))).toMatchObject({ code: 'ECONNREFUSED' });
    expect((await client.ping()).success).toBe(false);
    const shim = await startClickHouseHttpShim({ dataDir, port });
    try {
      expect(shim.port).toBe(port);
      expect(await rows(client, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
      expect(await failure(startClickHouseHttpShim({ dataDir, port }))).toMatchObject({ code: 'EADDRINUSE' });
      expect(await rows(client, 'SELECT 2 AS two')).toEqual([{ two: 2 }]);
    } finally {
      await client.close();
      await shim.close();
    }
  });

  it('lets a running query answer when closing, frees the port, and serves the same data after a restart', async () => {
    const port = await freePort();
    let shim = await startClickHouseHttpShim({ dataDir, port });
    const client = createClient({ ...quiet, url: shim.url });
    try {
      await client.command({ query: 'CREATE TABLE kept (id UInt32) ENGINE = MergeTree ORDER BY id' });
      await client.insert({ table: 'kept', values: [{ id: 7 }], format: 'JSONEachRow' });
      const slow = client
        .query({ query: "SELECT sleep(1) AS slept, 'in-flight' AS marker", format: 'JSONEachRow' })
        .then(
          (rs) => rs.json(),
          (err: unknown) => err,
        );
      const running =
        "SELECT count() AS c FROM system.processes WHERE query LIKE '%in-flight%' AND query NOT LIKE '%system.processes%'";
      let seen = false;
      for (let attempt = 0; attempt < 500 && !seen; attempt++)
        seen = (await rows<{ c: number }>(client, running))[0]?.c === 1;
      expect(seen).toBe(true);
      await shim.close();
      expect(await slow).toEqual([{ slept: 0, marker: 'in-flight' }]);
      const down = await failure(client.query({ query: 'SELECT 1' }));
      expect(down).not.toBeInstanceOf(ClickHouseError);
      expect((down as NodeJS.ErrnoException).code).toMatch(/^(ECONNREFUSED|ECONNRESET)$/);
      shim = await startClickHouseHttpShim({ dataDir, port });
      expect(await rows(client, 'SELECT id FROM kept')).toEqual([{ id: 7 }]);
    } finally {
      await client.close();
      await shim.close();
    }
  });

  it('cuts off a request whose body is still arriving instead of waiting for it', async () => {
    const shim = await startClickHouseHttpShim({ dataDir });
    const req = request(`${shim.url}/?query=${encodeURIComponent('INSERT INTO kept FORMAT JSONEachRow')}`, {
      method: 'POST',
      agent: false,
      // Node answers 100 Continue as it hands the request to the shim: then the shim is waiting for the body.
      headers: { Expect: '100-continue' },
    });
    const outcome = new Promise<unknown>((resolve) => {
      req.on('error', resolve);
      req.on('response', (res) => resolve(res.statusCode));
    });
    await new Promise<void>((resolve) => req.once('continue', resolve));
    req.write('{"id": 8}\n');
    await shim.close();
    expect(await outcome).toMatchObject({ code: 'ECONNRESET' });
  });
});
