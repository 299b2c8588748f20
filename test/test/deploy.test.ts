import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { applyRetention, migrate, storageConfigSchema, type StorageClient } from '@meshscope/collector';

/**
 * Static checks of deploy/ (there is no Docker engine or cluster here): every YAML parses; every container
 * has requests, limits and probes, runs without privilege, and only the iptables init container holds a
 * capability; every `meshscope` command line is accepted by the real CLI and every environment variable is
 * one meshscope documents; secrets reach containers through Secrets, never args; the ClickHouse cluster is
 * 2 shards x 2 replicas on Keeper x 3; each namespace starts from a default-deny NetworkPolicy. With kubectl
 * on the PATH the overlays are rendered by kustomize and checked the same way. The cluster DDL the collector's
 * own migrations produce for the Job's `--cluster` is checked against the ClickHouse config the pods mount:
 * cluster name, macros per pod (expanded into each replicated table's Keeper path), Distributed tables, Keeper.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const deployDir = join(root, 'deploy');
const cliMain = join(root, 'cli/dist/main.js');

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strs = (v: unknown): string[] => arr(v).map(String);

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

function parseYamlDocs(text: string, where: string): Obj[] {
  return parseAllDocuments(text, { merge: true }).map((doc, i) => {
    if (doc.errors.length) throw new Error(`${where} document ${i}: ${doc.errors[0]?.message ?? ''}`);
    return obj(doc.toJS());
  });
}

const yamlFiles = walk(deployDir).filter((f) => /\.ya?ml$/.test(f));
const docsByFile = new Map(yamlFiles.map((f) => [f, parseYamlDocs(readFileSync(f, 'utf8'), f)]));
const manifestsOf = (docs: Obj[]) =>
  docs.filter(
    (d) => typeof d.kind === 'string' && typeof d.apiVersion === 'string' && d.kind !== 'Kustomization',
  );
const fileManifests = [...docsByFile.entries()].flatMap(([file, docs]) =>
  manifestsOf(docs).map((doc) => ({ file: relative(root, file), doc })),
);

interface ContainerRef {
  where: string;
  kind: string;
  init: boolean;
  container: Obj;
  pod: Obj;
  owner: Obj;
}

function podSpecOf(doc: Obj): Obj | undefined {
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(String(doc.kind)))
    return obj(obj(obj(doc.spec).template).spec);
  if (doc.kind === 'CronJob') return obj(obj(obj(obj(obj(doc.spec).jobTemplate).spec).template).spec);
  if (doc.kind === 'Pod') return obj(doc.spec);
  return undefined;
}

function containersOf(manifests: { file: string; doc: Obj }[]): ContainerRef[] {
  return manifests.flatMap(({ file, doc }) => {
    const pod = podSpecOf(doc);
    if (!pod) return [];
    const name = `${file} ${String(doc.kind)}/${String(obj(doc.metadata).name)}`;
    const one = (c: unknown, init: boolean): ContainerRef => ({
      where: `${name} ${init ? 'initContainer' : 'container'} ${String(obj(c).name)}`,
      kind: String(doc.kind),
      init,
      container: obj(c),
      pod,
      owner: doc,
    });
    return [
      ...arr(pod.initContainers).map((c) => one(c, true)),
      ...arr(pod.containers).map((c) => one(c, false)),
    ];
  });
}

/** The one container allowed a capability and root: the sidecar's iptables init container. */
const isIptablesInit = (c: ContainerRef) =>
  c.init && String(c.container.image).split(/[:@]/)[0]?.endsWith('meshscope-iptables') === true;
const isMeshscopeImage = (image: unknown) => /(^|\/)meshscope(:[\w.-]+)?$/.test(String(image));
/** A container running the `meshscope` command (the image's entrypoint, not overridden). */
const runsMeshscope = (c: Obj) => isMeshscopeImage(c.image) && c.command === undefined;

function containerProblems(refs: ContainerRef[]): string[] {
  const problems: string[] = [];
  for (const ref of refs) {
    const { container: c, pod, where } = ref;
    const sc = obj(c.securityContext);
    const podSc = obj(pod.securityContext);
    const res = obj(c.resources);
    if (!isObj(res.requests) || !isObj(res.limits)) problems.push(`${where}: resources.requests and limits`);
    if (!ref.init && ref.kind !== 'Job' && (!isObj(c.readinessProbe) || !isObj(c.livenessProbe)))
      problems.push(`${where}: readinessProbe and livenessProbe`);
    if (sc.privileged === true) problems.push(`${where}: privileged`);
    if (sc.allowPrivilegeEscalation !== false)
      problems.push(`${where}: allowPrivilegeEscalation must be false`);
    const caps = obj(sc.capabilities);
    if (!strs(caps.drop).includes('ALL')) problems.push(`${where}: capabilities.drop must include ALL`);
    const seccomp = obj(sc.seccompProfile).type ?? obj(podSc.seccompProfile).type;
    if (seccomp !== 'RuntimeDefault') problems.push(`${where}: seccompProfile RuntimeDefault`);
    const added = strs(caps.add);
    if (isIptablesInit(ref)) {
      if (added.join() !== 'NET_ADMIN')
        problems.push(`${where}: adds exactly NET_ADMIN, got ${added.join()}`);
    } else {
      if (added.length) problems.push(`${where}: adds capabilities ${added.join()}`);
      const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
      const uid = sc.runAsUser ?? podSc.runAsUser;
      if (nonRoot !== true) problems.push(`${where}: runAsNonRoot`);
      if (uid === 0) problems.push(`${where}: runs as uid 0`);
    }
  }
  return problems;
}

// ---- the real CLI --------------------------------------------------------------------------------

function cliAccepts(argv: string[]): { ok: boolean; output: string } {
  const r = spawnSync(process.execPath, [cliMain, ...argv, '--help'], { encoding: 'utf8', timeout: 20_000 });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

function helpOf(command: string): string {
  return execFileSync(process.execPath, [cliMain, command, '--help'], { encoding: 'utf8' });
}

/** Environment variables meshscope documents: the README configuration table and the agent's --help. */
function documentedEnv(): Set<string> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const table = readme.slice(
    readme.indexOf('## Configuration'),
    readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5),
  );
  const names = new Set<string>();
  for (const line of table.split('\n').filter((l) => l.startsWith('|'))) {
    const cell = line.split('|')[2] ?? '';
    for (const m of cell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) if (m[1]) names.add(m[1]);
  }
  for (const m of helpOf('agent').matchAll(/\[([A-Z][A-Z0-9_]+)\]/g)) if (m[1]) names.add(m[1]);
  return names;
}

/** Node's own variable, set on agents as proxy-agent/README.md advises. */
function nodeEnvAdvisedByAgentReadme(): Set<string> {
  const text = readFileSync(join(root, 'proxy-agent/README.md'), 'utf8');
  return new Set(text.includes('NODE_OPTIONS=') ? ['NODE_OPTIONS'] : []);
}

interface CommandLine {
  where: string;
  argv: string[];
  env: { name: string; value?: unknown; fromSecret: boolean }[];
}

function k8sCommandLines(refs: ContainerRef[]): CommandLine[] {
  return refs
    .filter((r) => runsMeshscope(r.container))
    .map((r) => ({
      where: r.where,
      argv: strs(r.container.args),
      env: arr(r.container.env).map((e) => ({
        name: String(obj(e).name),
        value: obj(e).value,
        fromSecret: isObj(obj(obj(e).valueFrom).secretKeyRef),
      })),
    }));
}

const compose = obj(docsByFile.get(join(deployDir, 'compose.yaml'))?.[0]);
const composeServices = Object.entries(obj(compose.services)).map(([name, s]) => ({ name, service: obj(s) }));

function composeCommandLines(): CommandLine[] {
  return composeServices
    .filter(({ service }) => isMeshscopeImage(service.image) && service.entrypoint === undefined)
    .map(({ name, service }) => ({
      where: `deploy/compose.yaml service ${name}`,
      argv: strs(service.command),
      env: Object.entries(obj(service.environment)).map(([k, v]) => ({
        name: k,
        value: v,
        fromSecret: typeof v === 'string' && /^\$\{[A-Z_]+(:[?-][^}]*)?\}$/.test(v),
      })),
    }));
}

const SECRET_ENV = /PASSWORD|TOKENS?$|SECRET/;
const SECRET_FLAG = /^--(clickhouse-password|api-tokens?|admin-tokens?|password|token)(=|$)/;

function secretLiterals(): string[] {
  return [...docsByFile.values()]
    .flat()
    .filter((d) => d.kind === 'Kustomization')
    .flatMap((d) => arr(d.secretGenerator).flatMap((g) => strs(obj(g).literals)))
    .map((l) => l.slice(l.indexOf('=') + 1))
    .filter((v) => v.length >= 8);
}

function commandLineProblems(lines: CommandLine[], documented: Set<string>): string[] {
  const problems: string[] = [];
  const secrets = secretLiterals();
  const verdicts = new Map<string, ReturnType<typeof cliAccepts>>();
  for (const line of lines) {
    const key = JSON.stringify(line.argv);
    const accepted = verdicts.get(key) ?? cliAccepts(line.argv);
    verdicts.set(key, accepted);
    if (!accepted.ok)
      problems.push(`${line.where}: meshscope ${line.argv.join(' ')} refused: ${accepted.output.trim()}`);
    for (const a of line.argv) {
      if (SECRET_FLAG.test(a)) problems.push(`${line.where}: secret on the command line (${a})`);
      if (secrets.some((s) => a.includes(s))) problems.push(`${line.where}: a Secret's value in args`);
    }
    for (const e of line.env) {
      if (!documented.has(e.name)) problems.push(`${line.where}: env ${e.name} is not a documented setting`);
      if (SECRET_ENV.test(e.name) && !e.fromSecret)
        problems.push(`${line.where}: ${e.name} must come from a Secret (or \${VAR} in compose)`);
    }
  }
  return problems;
}

// ---- ClickHouse cluster configuration ----------------------------------------------------------

/** The migrate Job's `--cluster` and the DDL the collector renders for it. */
async function migrateJobDdl(manifests: Manifest[]): Promise<{ cluster: string; statements: string[] }> {
  const job = k8sCommandLines(containersOf(manifests)).find((l) => l.argv[0] === 'migrate');
  const argv = job?.argv ?? [];
  const cluster = argv[argv.indexOf('--cluster') + 1] ?? '';
  expect(cluster, 'the migrate Job passes --cluster').not.toBe('');
  const env = Object.fromEntries(
    (job?.env ?? []).flatMap((e) => (typeof e.value === 'string' ? [[e.name, e.value]] : [])),
  );
  return { cluster, statements: await collectorDdl(cluster, env) };
}

const chXml = readFileSync(join(deployDir, 'k8s/base/clickhouse/meshscope.xml'), 'utf8');
const keeperXml = readFileSync(join(deployDir, 'k8s/base/clickhouse/keeper_config.xml'), 'utf8');
const blocks = (xml: string, tag: string) =>
  [...xml.matchAll(new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1] ?? '');

function clusterShards(name: string): string[][] {
  const servers = blocks(chXml, 'remote_servers')[0] ?? '';
  const cluster = blocks(servers, name)[0] ?? '';
  return blocks(cluster, 'shard').map((s) => blocks(s, 'replica').map((r) => blocks(r, 'host')[0] ?? ''));
}

const byKind = (kind: string, manifests = fileManifests) => manifests.filter((m) => m.doc.kind === kind);
const nameOf = (doc: Obj) => String(obj(doc.metadata).name);

// ---- the collector's cluster DDL against the ClickHouse config the pods mount ---------------------

type Manifest = { file: string; doc: Obj };

/** The schema DDL exactly as `meshscope migrate` sends it, recorded by a storage client that runs nothing. */
async function collectorDdl(cluster: string, env: Record<string, string>): Promise<string[]> {
  const config = storageConfigSchema.parse({
    url: 'http://clickhouse:8123',
    cluster,
    ...(env.CLICKHOUSE_DATABASE ? { database: env.CLICKHOUSE_DATABASE } : {}),
  });
  const statements: string[] = [];
  const recording = {
    client: {
      command: ({ query }: { query: string }) => (statements.push(query), Promise.resolve({})),
      // an empty database: schema version 0, no tables yet
      query: () => Promise.resolve({ json: () => Promise.resolve([]) }),
      insert: () => Promise.resolve({}),
    },
    mode: 'server',
    database: config.database,
    cluster: config.cluster,
    location: 'recorded',
    table: (name: string) => `\`${config.database}\`.\`${name}\``,
    close: () => Promise.resolve(),
  } as unknown as StorageClient;
  await migrate(recording, config.retention);
  await applyRetention(recording, config.retention);
  return statements;
}

/** Looks a ConfigMap's key up: in the (rendered) manifests, else in base's configMapGenerator files. */
function configMapLookup(manifests: Manifest[]): (name: string, key: string) => string | undefined {
  const base = join(deployDir, 'k8s/base');
  const kustomization = obj(docsByFile.get(join(base, 'kustomization.yaml'))?.[0]);
  return (name, key) => {
    const cm = manifests.find((m) => m.doc.kind === 'ConfigMap' && nameOf(m.doc) === name);
    if (cm) {
      const v = obj(cm.doc.data)[key];
      return typeof v === 'string' ? v : undefined;
    }
    const generator = arr(kustomization.configMapGenerator).find((g) => obj(g).name === name);
    const file = strs(obj(generator).files).find((f) => f.split('/').pop() === key);
    return file ? readFileSync(join(base, file), 'utf8') : undefined;
  };
}

/** The content of `path` inside a pod's container, when a ConfigMap volume provides it. */
function mountedFile(
  pod: Obj,
  container: Obj,
  path: string,
  lookup: (name: string, key: string) => string | undefined,
): string | undefined {
  for (const m of arr(container.volumeMounts).map(obj)) {
    const mountPath = String(m.mountPath);
    const key =
      typeof m.subPath === 'string'
        ? mountPath === path
          ? m.subPath
          : undefined
        : path.startsWith(`${mountPath}/`)
          ? path.slice(mountPath.length + 1)
          : undefined;
    if (!key) continue;
    const volume = arr(pod.volumes)
      .map(obj)
      .find((v) => v.name === m.name);
    const cm = obj(volume?.configMap).name;
    if (typeof cm === 'string') return lookup(cm, key);
  }
  return undefined;
}

/** A pod's environment as the kubelet resolves it (plain values, $(VAR) references, the pod name). */
function podEnv(container: Obj, podName: string): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  for (const e of arr(container.env).map(obj)) {
    const field = obj(obj(e.valueFrom).fieldRef).fieldPath;
    const value =
      typeof e.value === 'string'
        ? e.value.replace(/\$\((\w+)\)/g, (all, v: string) => env.get(v) ?? all)
        : field === 'metadata.name'
          ? podName
          : undefined;
    env.set(String(e.name), value);
  }
  return env;
}

/** `<macros>` of a ClickHouse config: literal values, or `from_env` resolved in the pod's environment. */
function macrosOf(xml: string, env: Map<string, string | undefined>): Map<string, string | undefined> {
  const macros = new Map<string, string | undefined>();
  const block = blocks(xml, 'macros')[0] ?? '';
  for (const m of block.matchAll(/<(\w+)(?:\s+from_env="(\w+)")?\s*(?:\/>|>([^<]*)<\/\1>)/g))
    if (m[1]) macros.set(m[1], m[2] ? env.get(m[2]) : m[3]?.trim());
  return macros;
}

/** Macros ClickHouse expands by itself in Replicated engine arguments when `<macros>` does not set them. */
const BUILTIN_MACROS = ['database', 'table', 'uuid'];

function clusterDdlProblems(manifests: Manifest[], statements: string[], cluster: string): string[] {
  const problems: string[] = [];
  const lookup = configMapLookup(manifests);
  const serverXmlPath = '/etc/clickhouse-server/config.d/meshscope.xml';

  // every ClickHouse server pod, with the config and environment it gets
  const pods = byKind('StatefulSet', manifests)
    .filter((m) => obj(obj(m.doc.metadata).labels)['app.kubernetes.io/name'] === 'clickhouse')
    .flatMap(({ doc }) => {
      const pod = podSpecOf(doc) ?? {};
      const container = obj(
        arr(pod.containers).find((c) => String(obj(c).image).includes('clickhouse-server')),
      );
      return Array.from({ length: Number(obj(doc.spec).replicas) }, (_, i) => {
        const name = `${nameOf(doc)}-${i}`;
        const xml = mountedFile(pod, container, serverXmlPath, lookup) ?? '';
        const host = `${name}.${String(obj(doc.spec).serviceName)}`;
        const servers = blocks(xml, 'remote_servers')[0] ?? '';
        const shards = blocks(blocks(servers, cluster)[0] ?? '', 'shard').map((sh) =>
          blocks(sh, 'replica').map((r) => blocks(r, 'host')[0] ?? ''),
        );
        return { name, host, xml, shards, env: podEnv(container, name) };
      });
    });
  if (pods.length === 0) problems.push('no ClickHouse server StatefulSet');
  const keeperPods = byKind('StatefulSet', manifests)
    .filter((m) =>
      arr(podSpecOf(m.doc)?.containers).some((c) => /clickhouse-keeper/.test(String(obj(c).image))),
    )
    .flatMap(({ doc }) => {
      const pod = podSpecOf(doc) ?? {};
      const container = obj(arr(pod.containers)[0]);
      const xml = mountedFile(pod, container, '/etc/clickhouse-keeper/keeper_config.xml', lookup) ?? '';
      const port = blocks(xml, 'tcp_port')[0];
      return Array.from(
        { length: Number(obj(doc.spec).replicas) },
        (_, i) => `${nameOf(doc)}-${i}.${String(obj(doc.spec).serviceName)}:${port}`,
      );
    });
  for (const p of pods) if (!p.xml) problems.push(`${p.name}: no ${serverXmlPath} from a ConfigMap`);

  for (const p of pods) {
    // the cluster the DDL names is the one remote_servers defines, the same on every pod
    if (!p.shards.length) problems.push(`${p.name}: remote_servers has no cluster "${cluster}"`);
    // Replicated engines and ON CLUSTER need Keeper (or ZooKeeper) and the distributed DDL queue
    const keeperNodes = blocks(blocks(p.xml, 'zookeeper')[0] ?? '', 'node');
    if (!keeperNodes.length) problems.push(`${p.name}: no <zookeeper> (Keeper) nodes`);
    if (!blocks(blocks(p.xml, 'distributed_ddl')[0] ?? '', 'path')[0])
      problems.push(`${p.name}: no <distributed_ddl><path>, which ON CLUSTER needs`);
    const keeperTargets = keeperNodes.map((n) => `${blocks(n, 'host')[0]}:${blocks(n, 'port')[0]}`);
    if (keeperTargets.sort().join() !== keeperPods.sort().join())
      problems.push(
        `${p.name}: Keeper nodes ${keeperTargets.join()} are not the Keeper pods ${keeperPods.join()}`,
      );
    if (JSON.stringify(p.shards) !== JSON.stringify(pods[0]?.shards))
      problems.push(`${p.name}: remote_servers differs from ${pods[0]?.name}'s`);
  }

  // statements: ON CLUSTER and Distributed name the cluster; Replicated paths expand on every pod
  const created = new Map<string, string>(); // `db`.`table` -> statement
  for (const s of statements) {
    const m = /^CREATE (?:TABLE|MATERIALIZED VIEW) IF NOT EXISTS (`[^`]+`\.`[^`]+`)/.exec(s);
    if (m?.[1]) created.set(m[1], s);
    for (const c of s.matchAll(/ON CLUSTER `([^`]+)`/g))
      if (c[1] !== cluster) problems.push(`ON CLUSTER \`${c[1]}\` is not the Job's --cluster ${cluster}`);
  }
  const distributedOver = new Set<string>();
  for (const s of statements)
    for (const d of s.matchAll(/Distributed\(`([^`]+)`, `([^`]+)`, `([^`]+)`/g)) {
      if (d[1] !== cluster) problems.push(`Distributed over cluster ${d[1]}, not ${cluster}`);
      const local = `\`${d[2]}\`.\`${d[3]}\``;
      if (!created.has(local)) problems.push(`Distributed over ${local}, which the DDL does not create`);
      distributedOver.add(local);
    }
  const replicated = [...created].flatMap(([table, s]) => {
    const e = /ENGINE = Replicated\w*MergeTree\('([^']*)', '([^']*)'/.exec(s);
    return e?.[1] && e[2] ? [{ table, path: e[1], replica: e[2] }] : [];
  });
  if (!replicated.length || !distributedOver.size)
    problems.push('the cluster DDL has no Replicated or no Distributed tables');

  const shardsOfCluster = pods[0]?.shards ?? [];
  for (const t of replicated) {
    const [db = '', name = ''] = t.table.split('.').map((x) => x.replaceAll('`', ''));
    const byPath = new Map<string, { host: string; replica: string }[]>();
    for (const p of pods) {
      const macros = macrosOf(p.xml, p.env);
      const expand = (text: string) =>
        text.replace(/\{(\w+)\}/g, (_, k: string) => {
          const v = macros.get(k);
          if (v !== undefined && v !== '') return v;
          if (BUILTIN_MACROS.includes(k))
            return k === 'database' ? db : k === 'table' ? name : `uuid(${name})`;
          problems.push(`${p.name}: macro {${k}} (used by ${t.table}) is not defined in its <macros>`);
          return `{${k}}`;
        });
      const path = expand(t.path);
      byPath.set(path, [...(byPath.get(path) ?? []), { host: p.host, replica: expand(t.replica) }]);
    }
    for (const [path, replicas] of byPath) {
      const names = replicas.map((r) => r.replica);
      if (new Set(names).size !== names.length)
        problems.push(`${t.table}: two pods register the same replica name under ${path}: ${names.join()}`);
    }
    // the data of a Distributed table: each remote_servers shard is exactly one replication group
    if (distributedOver.has(t.table)) {
      const groups = [...byPath.values()]
        .map((rs) =>
          rs
            .map((r) => r.host)
            .sort()
            .join(),
        )
        .sort();
      const expected = shardsOfCluster.map((hosts) => [...hosts].sort().join()).sort();
      if (groups.join(' | ') !== expected.join(' | '))
        problems.push(
          `${t.table}: pods replicate as [${groups.join(' | ')}], remote_servers shards are [${expected.join(' | ')}]`,
        );
    }
  }
  return [...new Set(problems)];
}

describe('deploy/ manifests', { timeout: 120_000 }, () => {
  it('every YAML file parses (all documents) and the Kubernetes ones have a kind and a name', () => {
    expect(yamlFiles.length).toBeGreaterThan(10);
    for (const { file, doc } of fileManifests) expect(nameOf(doc), file).not.toBe('undefined');
    expect(fileManifests.map((m) => m.doc.kind)).toEqual(
      expect.arrayContaining([
        'Deployment',
        'StatefulSet',
        'Job',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'NetworkPolicy',
      ]),
    );
  });

  it('every container has requests, limits and probes, runs unprivileged; only the iptables init container has NET_ADMIN', () => {
    const refs = containersOf(fileManifests);
    expect(refs.length).toBeGreaterThan(8);
    expect(containerProblems(refs)).toEqual([]);
    const netAdmin = refs.filter((r) => strs(obj(obj(r.container.securityContext).capabilities).add).length);
    expect(netAdmin.length).toBeGreaterThan(0);
    expect(netAdmin.every((r) => r.init)).toBe(true);
  });

  it('the iptables init container exempts exactly the agent uid, and no app shares that uid', () => {
    const script = readFileSync(join(deployDir, 'sidecar/meshscope-iptables.sh'), 'utf8');
    expect(script).toMatch(/--uid-owner "\$AGENT_UID" -j RETURN/);
    expect(script).toMatch(/REDIRECT --to-ports "\$INBOUND_PORT"/);
    expect(script).toMatch(/REDIRECT --to-ports "\$OUTBOUND_PORT"/);
    const pods = new Set(
      containersOf(fileManifests)
        .filter(isIptablesInit)
        .map((r) => r.pod),
    );
    expect(pods.size).toBeGreaterThan(0);
    for (const pod of pods) {
      const refs = containersOf(fileManifests).filter((r) => r.pod === pod);
      const init = refs.find(isIptablesInit);
      const agentUid = Number(obj(arr(init?.container.env).find((e) => obj(e).name === 'AGENT_UID')).value);
      const agents = refs.filter((r) => runsMeshscope(r.container) && strs(r.container.args)[0] === 'agent');
      expect(agents.length).toBe(1);
      expect(obj(agents[0]?.container.securityContext).runAsUser).toBe(agentUid);
      for (const other of refs.filter((r) => !r.init && !agents.includes(r)))
        expect(
          obj(other.container.securityContext).runAsUser ?? obj(pod.securityContext).runAsUser,
          other.where,
        ).not.toBe(agentUid);
    }
  });

  it('every meshscope command line (Kubernetes and compose) is accepted by the real CLI, with documented env and no secrets in args', () => {
    expect(existsSync(cliMain), 'build the CLI first: npx tsc -b').toBe(true);
    const documented = new Set([...documentedEnv(), ...nodeEnvAdvisedByAgentReadme()]);
    const lines = [...k8sCommandLines(containersOf(fileManifests)), ...composeCommandLines()];
    expect(lines.map((l) => l.argv[0])).toEqual(
      expect.arrayContaining(['collector', 'query', 'migrate', 'agent', 'ca']),
    );
    expect(commandLineProblems(lines, documented)).toEqual([]);
  });

  it('the schema Job migrates ON CLUSTER the cluster ClickHouse defines, and collector and query use the same one', () => {
    const lines = k8sCommandLines(containersOf(fileManifests));
    const migrate = lines.find((l) => l.argv[0] === 'migrate');
    expect(migrate?.argv).toEqual(['migrate', '--cluster', 'meshscope']);
    for (const l of lines.filter((x) => ['collector', 'query'].includes(x.argv[0] ?? '')))
      expect(l.argv.join(' '), l.where).toContain('--cluster meshscope');
  });

  it('ClickHouse remote_servers is 2 shards x 2 replicas, one StatefulSet pod each, with per-pod macros and Keeper x 3', () => {
    const shards = clusterShards('meshscope');
    expect(shards.map((s) => s.length)).toEqual([2, 2]);
    const statefulSets = byKind('StatefulSet').filter((m) => nameOf(m.doc).startsWith('clickhouse-s'));
    const pods = statefulSets.flatMap((m) =>
      Array.from(
        { length: Number(obj(m.doc.spec).replicas) },
        (_, i) => `${nameOf(m.doc)}-${i}.${String(obj(m.doc.spec).serviceName)}`,
      ),
    );
    expect(shards.flat().sort()).toEqual(pods.sort());
    expect(chXml).toMatch(/<shard from_env="SHARD"\/>/);
    expect(chXml).toMatch(/<replica from_env="REPLICA"\/>/);
    const keeper = byKind('StatefulSet').find((m) => nameOf(m.doc) === 'clickhouse-keeper');
    expect(obj(keeper?.doc.spec).replicas).toBe(3);
    expect(blocks(blocks(chXml, 'zookeeper')[0] ?? '', 'node')).toHaveLength(3);
    expect(blocks(keeperXml, 'server').map((s) => blocks(s, 'id')[0])).toEqual(['1', '2', '3']);
  });

  it('the cluster DDL the collector renders for the Job --cluster matches the ClickHouse config every pod mounts', async () => {
    const { cluster, statements } = await migrateJobDdl(fileManifests);
    expect(statements.length).toBeGreaterThan(20);
    expect(statements.join('\n')).toMatch(/\{shard\}.*\{replica\}/);
    expect(clusterDdlProblems(fileManifests, statements, cluster)).toEqual([]);
  });

  it('exactly one query replica runs the alert evaluator; the others run with --no-alert-evaluator', () => {
    const evaluators = byKind('Deployment').filter(({ doc }) =>
      arr(podSpecOf(doc)?.containers).some(
        (c) => strs(obj(c).args)[0] === 'query' && !strs(obj(c).args).includes('--no-alert-evaluator'),
      ),
    );
    expect(evaluators).toHaveLength(1);
    expect(obj(evaluators[0]?.doc.spec).replicas).toBe(1);
    expect(obj(obj(evaluators[0]?.doc.spec).strategy).type).toBe('Recreate');
  });

  it('the compose demo frontend runs the same code as the Kubernetes one, with nothing for compose to interpolate', () => {
    const inCompose = String(obj(obj(compose.configs)['frontend-app']).content);
    const configMap = fileManifests.find(
      (m) => m.doc.kind === 'ConfigMap' && nameOf(m.doc) === 'frontend-app',
    );
    expect(inCompose).toBe(obj(configMap?.doc.data)['frontend.mjs']);
    expect(inCompose).not.toContain('${');
  });

  it('each namespace with workloads starts from a default-deny NetworkPolicy', () => {
    const dirsWithWorkloads = new Set(
      fileManifests.filter((m) => podSpecOf(m.doc)).map((m) => dirname(m.file)),
    );
    for (const dir of dirsWithWorkloads) {
      const deny = fileManifests.filter(
        (m) =>
          dirname(m.file) === dir &&
          m.doc.kind === 'NetworkPolicy' &&
          Object.keys(obj(obj(m.doc.spec).podSelector)).length === 0 &&
          strs(obj(m.doc.spec).policyTypes).sort().join() === 'Egress,Ingress' &&
          obj(m.doc.spec).ingress === undefined &&
          obj(m.doc.spec).egress === undefined,
      );
      expect(deny, dir).toHaveLength(1);
    }
  });
});

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!kubectl)(
  'kustomize overlays (rendered with kubectl kustomize)',
  { timeout: 120_000 },
  () => {
    for (const overlay of ['dev', 'production']) {
      it(`${overlay} renders, every container in it passes the same checks, and the cluster DDL matches`, async () => {
        const out = execFileSync('kubectl', ['kustomize', join(deployDir, 'k8s/overlays', overlay)], {
          encoding: 'utf8',
          timeout: 60_000,
        });
        const manifests = manifestsOf(parseYamlDocs(out, overlay)).map((doc) => ({ file: overlay, doc }));
        expect(byKind('StatefulSet', manifests).length).toBeGreaterThanOrEqual(3);
        expect(containerProblems(containersOf(manifests))).toEqual([]);
        const documented = new Set([...documentedEnv(), ...nodeEnvAdvisedByAgentReadme()]);
        expect(commandLineProblems(k8sCommandLines(containersOf(manifests)), documented)).toEqual([]);
        const hpa = byKind('HorizontalPodAutoscaler', manifests)[0];
        expect(Number(obj(hpa?.doc.spec).minReplicas)).toBeGreaterThanOrEqual(
          overlay === 'production' ? 2 : 1,
        );
        const { cluster, statements } = await migrateJobDdl(manifests);
        expect(clusterDdlProblems(manifests, statements, cluster)).toEqual([]);
      });
    }
  },
);
