import { mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CA_FILES,
  CaRefusal,
  createToken,
  DEFAULT_LEAF_TTL_MS,
  initCa,
  MeshCa,
  parseDurationMs,
  parseSpiffeId,
  startCaServer,
  writePrivate,
} from '@meshscope/proxy-agent';
import { createLogger } from '../logger.js';
import { CliError, untilSignalled } from './lifecycle.js';

const USAGE = `Usage: meshscope ca <init|issue|token|serve> [options]

The mesh certificate authority: a root (trust anchor) signs an intermediate that signs workload leaves
carrying a SPIFFE ID (spiffe://<trust domain>/ns/<ns>/sa/<sa>). Private keys are written mode 0600.

  ca init --trust-domain TD [--dir DIR] [--force]
      writes root-cert.pem, root-key.pem, ca-cert.pem, ca-key.pem, cert-chain.pem, ca.json
  ca issue --id SPIFFE_ID [--ttl 24h] [--dir DIR] [--out OUT]
      writes OUT/key.pem, OUT/cert-chain.pem (leaf + intermediate), OUT/root-cert.pem
  ca token --id SPIFFE_ID [--ttl 24h] [--dir DIR]
      prints a bootstrap token granting SPIFFE_ID (only its digest is stored, in DIR/tokens.json)
  ca serve [--dir DIR] [--host 127.0.0.1] [--port 15012] [--san NAME]... [--ttl 24h] [--log-level info]
      HTTPS signing endpoint: POST /v1/certificates {csr} with Authorization: Bearer TOKEN. Its
      certificate names localhost, 127.0.0.1, --host and each --san (the DNS name or IP agents use in
      --ca-url, e.g. --host 0.0.0.0 --san meshscope-ca.meshscope.svc)

DIR defaults to ./meshscope-ca. --ttl is the leaf lifetime (serve: the longest one it signs).
`;

const OPTIONS = {
  'trust-domain': { type: 'string' },
  dir: { type: 'string' },
  force: { type: 'boolean' },
  id: { type: 'string' },
  ttl: { type: 'string' },
  out: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  san: { type: 'string', multiple: true },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function ttlOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LEAF_TTL_MS;
  const ms = parseDurationMs(text);
  if (ms === undefined || ms <= 0)
    throw new CliError(`--ttl "${text}" is not a duration (e.g. 24h, 90m, 30s)`);
  return ms;
}

/** --san values: DNS names or IP addresses, as a certificate can name them */
function sansOf(values: string[] | undefined): string[] {
  for (const v of values ?? []) {
    if (
      isIP(v) === 0 &&
      !/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(
        v,
      )
    )
      throw new CliError(`--san "${v}" is neither a DNS name nor an IP address`);
  }
  return values ?? [];
}

function idOf(text: string | undefined): string {
  if (!text) throw new CliError('--id spiffe://<trust domain>/ns/<ns>/sa/<sa> is required');
  if (!parseSpiffeId(text))
    throw new CliError(`--id "${text}" is not of the form spiffe://<trust domain>/ns/<ns>/sa/<sa>`);
  return text;
}

/** `meshscope ca …`: create the CA, issue leaves and tokens, serve the signing endpoint. */
export async function caCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    values = parseArgs({ args: rest, options: OPTIONS, allowPositionals: false, strict: true }).values;
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n\n${USAGE}`);
  }
  if (sub === undefined || sub === '--help' || sub === '-h' || values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const dir = resolve(values.dir ?? 'meshscope-ca');
  try {
    switch (sub) {
      case 'init': {
        const td = values['trust-domain'];
        if (!td) throw new CliError('--trust-domain is required (e.g. cluster.local)');
        await initCa(dir, { trustDomain: td, force: values.force === true });
        process.stdout.write(
          `CA for trust domain ${td} in ${dir}:\n  trust anchor ${CA_FILES.rootCert} (distribute to every agent)\n` +
            `  issuer ${CA_FILES.caCert}, keys ${CA_FILES.rootKey} and ${CA_FILES.caKey} (mode 0600)\n`,
        );
        return;
      }
      case 'issue': {
        const id = idOf(values.id);
        const ca = await MeshCa.load(dir);
        const leaf = await ca.issueWithKey(id, { ttlMs: ttlOf(values.ttl) });
        const spiffe = parseSpiffeId(id);
        const out = resolve(values.out ?? `${spiffe?.namespace ?? 'ns'}-${spiffe?.serviceAccount ?? 'sa'}`);
        await mkdir(out, { recursive: true, mode: 0o700 });
        await writePrivate(join(out, 'key.pem'), leaf.keyPem);
        await writeFile(join(out, 'cert-chain.pem'), leaf.chainPem);
        await writeFile(join(out, 'root-cert.pem'), leaf.bundlePem);
        process.stdout.write(
          `${id} valid until ${leaf.certificate.notAfter.toISOString()}:\n  ${join(out, 'key.pem')} (0600), ${join(out, 'cert-chain.pem')}, ${join(out, 'root-cert.pem')}\n`,
        );
        return;
      }
      case 'token': {
        const id = idOf(values.id);
        const ca = await MeshCa.load(dir);
        ca.checkId(id);
        const token = await createToken(dir, id, values.ttl ? ttlOf(values.ttl) : undefined);
        process.stdout.write(`${token}\n`);
        return;
      }
      case 'serve': {
        const sans = sansOf(values.san);
        const ca = await MeshCa.load(dir);
        const log = createLogger(values['log-level'] ?? 'info', 'meshscope-ca');
        const port = values.port === undefined ? 15012 : Number(values.port);
        if (!Number.isInteger(port) || port < 0 || port > 65_535)
          throw new CliError(`--port "${values.port ?? ''}" is not a port number`);
        const server = await startCaServer({
          ca,
          host: values.host ?? '127.0.0.1',
          port,
          sans,
          maxTtlMs: ttlOf(values.ttl),
          log,
        });
        process.stdout.write(`meshscope CA for ${ca.trustDomain} at ${server.url}\n`);
        await untilSignalled(log, () => server.close());
        return;
      }
      default:
        throw new CliError(`unknown subcommand ${JSON.stringify(sub)}\n\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof CaRefusal) throw new CliError(e.message);
    throw e;
  }
}
