import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

/**
 * Static checks of deploy/ (there is no Docker engine or cluster here): every YAML parses; every container
 * has requests, limits and probes, runs without privilege, and only the iptables init container holds a
 * capability; every `meshscope` command line is accepted by the real CLI and every environment variable is
 * one meshscope documents; secrets reach containers through Secrets, never args; the ClickHouse cluster is
 * 2 shards x 2 replicas on Keeper x 3; each namespace starts from a default-deny NetworkPolicy. With kubectl
 * on the PATH the overlays are rendered by kustomize and checked the same way.
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
      it(`${overlay} renders and every container in it passes the same checks`, () => {
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
      });
    }
  },
);
