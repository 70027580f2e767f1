// The environment of the browser tests, started for one run of `node --test`
// and always stopped afterwards (called by tests/e2e/run BUILD_DIR [PATTERN]):
//
//   1. the development PKI of scripts/pki in BUILD_DIR/tests/pki (shared with
//      the C++ integration tests, reused while fresh);
//   2. a temporary folder with poort.toml (portal on a free port of 127.0.0.1,
//      system listener on port 0, SAML with the services and identity providers
//      of tests/integration/onboarding_test.cpp, a data key, e-mail off),
//      the registry (Zwolle and Vught) and the conditions through poortctl;
//   3. the test IdPs of tests/idp: the eHerkenning broker (municipalities) and
//      Justid's IdP for administrators (--role admin --artifact-post);
//   4. poortd, until it logs server.ready;
//   5. `node --test` on portal.test.mjs, with POORT_E2E_ENV naming a JSON file
//      that describes all of the above (lib/env.mjs reads it).
// Loopback only. Logs and screenshots go to BUILD_DIR/e2e-artifacts/. With
// POORT_E2E_UPDATE_DOCS=1 a few screenshots are also copied to docs/screenshots/.

import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const build = path.resolve(process.argv[2]);
const pattern = process.argv[3] || '';
const e2e = path.dirname(fileURLToPath(import.meta.url));
const src = path.resolve(e2e, '../..');
const artifacts = path.join(build, 'e2e-artifacts');
const python = '/usr/bin/python3';

// The services and their UUIDs as the C++ integration tests configure them.
const services = [
  { key: 'casework', index: 1, uuid: '6f2c1e8a-3b4d-4c5e-9f60-718293a4b5c6', name: 'Re-integratie gedetineerden' },
  { key: 'signing', index: 2, uuid: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', name: 'Aanvraag ondertekenen' },
  { key: 'admin', index: 3, uuid: '5b8e2f41-9c3a-4d7e-8f12-3a4b5c6d7e8f', name: 'Beheer poort' },
];

const children = [];
let tmp = '';

function log(msg) {
  process.stderr.write(`e2e: ${msg}\n`);
}

// poortd is built in daemon/, poortctl in tools/poortctl/.
function findBinary(name) {
  for (const p of [path.join(build, 'daemon', name), path.join(build, 'tools', name, name), path.join(build, name)])
    if (fs.existsSync(p)) return p;
  throw new Error(`${name} not found in ${build}: build it first (cmake --build ${build} --target poortd poortctl)`);
}

function pki() {
  const dir = path.join(build, 'tests', 'pki');
  const env = path.join(dir, 'oins.env');
  const fresh = fs.existsSync(env) && Date.now() - fs.statSync(env).mtimeMs < 7 * 24 * 3600 * 1000;
  if (!fresh) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    // The same lock as tests/integration/harness.cpp: one generator at a time.
    execFileSync('flock', [path.join(build, 'tests', 'pki.lock'), 'bash', path.join(src, 'scripts/pki'), dir], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const oins = {};
  for (const line of fs.readFileSync(env, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) oins[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
  }
  return { dir, oins };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const q = (s) => JSON.stringify(String(s)); // a TOML basic string

function configText({ dir, port, p }) {
  const f = (name) => q(path.join(p.dir, name));
  const oin = p.oins.JUSTID_OIN;
  let t = `# Written by tests/e2e/runner.mjs for one run of the browser tests.
allow_test_oins = true

[daemon]
threads = 2
worker_threads = 4
web_root = ${q(path.join(src, 'web'))}
public_portal_url = "https://localhost:${port}"

[logging]
level = "info"

[store]
database = ${q(path.join(dir, 'poort.db'))}

[data_keys]
key_file = ${q(path.join(dir, 'data.key'))}
key_id = "k1"

[session]
idle_timeout_s = 900
absolute_timeout_s = 3600

[[listener.portal]]
addresses = ["127.0.0.1:${port}"]
[[listener.portal.certificate]]
certificate = ${f('portal.crt')}
private_key = ${f('portal.key')}

[[listener.system]]
addresses = ["127.0.0.1:0"]
client_ca_bundle = ${f('ca.crt')}
crl_files = [${f('crl.pem')}]
[[listener.system.certificate]]
certificate = ${f('system.crt')}
private_key = ${f('system.key')}

[[party]]
oin = "${p.oins.PI_1_OIN}"
name = ${q(p.oins.PI_1_NAME)}
kind = "institution"

[[party]]
oin = "${p.oins.PI_2_OIN}"
name = ${q(p.oins.PI_2_NAME)}
kind = "institution"

[saml]
enabled = true
entity_id = "urn:etoegang:DV:${oin}:entities:9000"
base_url = "https://localhost:${port}"
organization_name = "Justid"
oin = "${oin}"
signing_certificate = ${f('sp-signing.crt')}
signing_key = ${f('sp-signing.key')}
tls_client_certificate = ${f('sp-tls.crt')}
tls_client_key = ${f('sp-tls.key')}
`;
  for (const s of services)
    t += `
[[saml.service]]
key = "${s.key}"
index = ${s.index}
service_id = "urn:etoegang:DV:${oin}:services:${s.index}"
service_uuid = "${s.uuid}"
name = ${q(s.name)}
`;
  for (const [name, sub, mapping, signer, soap] of [
    ['eherkenning', 'broker', 'municipality', 'idp-signing', 'text/xml'],
    ['justid', 'admin', 'administrator', 'admin-idp-signing', 'application/soap+xml'],
  ])
    t += `
[[saml.identity_provider]]
name = "${name}"
metadata = ${q(path.join(dir, sub, 'idp-metadata.xml'))}
metadata_signing_certificate = ${f(signer + '.crt')}
role_mapping = "${mapping}"
artifact_resolution_ca = ${f('ca.crt')}
soap_content_type = "${soap}"
`;
  return t;
}

function poortctl(ctl, config, args) {
  return execFileSync(ctl, [...args, '--config', config], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/// Starts a child with its stderr in artifacts/<name>.log; resolves with the
/// child once `ready(line)` (called per stdout or stderr line) returns true.
function startChild(name, argv, ready, timeoutMs) {
  const logFile = fs.createWriteStream(path.join(artifacts, `${name}.log`));
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() });
  children.push({ name, child });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready after ${timeoutMs} ms; see ${name}.log`)), timeoutMs);
    let done = false;
    const onLines = (stream, tee) => {
      let pending = '';
      stream.on('data', (chunk) => {
        logFile.write(chunk);
        if (tee) tee.write(chunk);
        pending += chunk.toString('utf8');
        let nl;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (!done && ready(line)) {
            done = true;
            clearTimeout(timer);
            resolve(child);
          }
        }
      });
    };
    onLines(child.stdout);
    onLines(child.stderr);
    child.on('exit', (code, sig) => {
      logFile.end();
      if (!done) {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? sig}) before it was ready; see ${name}.log`));
      }
    });
  });
}

function cleanEnv() {
  const env = { ...process.env };
  delete env.NOTIFY_SOCKET;
  delete env.WATCHDOG_USEC;
  return env;
}

function stopAll() {
  return Promise.all(
    children.reverse().map(
      ({ child }) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const kill = setTimeout(() => child.kill('SIGKILL'), 10000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

async function main() {
  const started = Date.now();
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  const ctl = findBinary('poortctl');
  const daemon = findBinary('poortd');
  const p = pki();

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poort-e2e-'));
  const port = await freePort();
  for (const sub of ['broker', 'admin']) {
    fs.mkdirSync(path.join(tmp, sub));
    fs.writeFileSync(path.join(tmp, sub, 'idp-metadata.xml'), '<placeholder/>\n'); // the IdP writes the real one
  }
  fs.writeFileSync(path.join(tmp, 'data.key'), crypto.randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
  const config = path.join(tmp, 'poort.toml');
  fs.writeFileSync(config, configText({ dir: tmp, port, p }));

  // The registry and the conditions through poortctl, as an operator would.
  // Zwolle's OIN is that of gemeente-1, the system certificate it applies with.
  poortctl(ctl, config, ['migrate']);
  const csv = path.join(tmp, 'gemeenten.csv');
  fs.writeFileSync(
    csv,
    'gemeentecode,naam,kvk,rsin,oin,geldig_van,geldig_tot\n' +
      `GM0193,Zwolle,50000001,001234560,${p.oins.GEMEENTE_1_OIN},2000-01-01,\n` +
      'GM0865,Vught,50000002,001234572,,2000-01-01,\n',
  );
  poortctl(ctl, config, ['registry', 'import', csv]);
  const conditions = path.join(tmp, 'voorwaarden.txt');
  fs.writeFileSync(
    conditions,
    'Aansluitvoorwaarden poort, versie 2026-1.\n\n' +
      '1. De gemeente gebruikt de gegevens alleen voor de nazorg aan (ex-)gedetineerden.\n' +
      '2. De gemeente bevestigt de ontvangst van elk bericht.\n' +
      '3. De gemeente meldt een beveiligingsincident binnen 24 uur bij Justid.\n',
  );
  poortctl(ctl, config, ['conditions', 'add', conditions, '--version', '2026-1']);
  fs.writeFileSync(path.join(tmp, 'sp-metadata.xml'), poortctl(ctl, config, ['sp-metadata']));

  const idp = async (name, sub, entityOin, extra) => {
    let idpPort = 0;
    await startChild(
      name,
      [
        python, path.join(src, 'tests/idp/eh_idp.py'),
        '--pki', p.dir,
        '--sp-metadata', path.join(tmp, 'sp-metadata.xml'),
        '--entity-id', `urn:etoegang:HM:${entityOin}:entities:9001`,
        '--state-dir', path.join(tmp, sub),
        ...services.flatMap((s) => ['--service-uuid', `${s.index}=${s.uuid}`]),
        ...extra,
      ],
      (line) => /^\d+$/.test(line) && (idpPort = Number(line)) > 0,
      60000,
    );
    return idpPort;
  };
  const [brokerPort, adminIdpPort] = await Promise.all([
    idp('idp-broker', 'broker', p.oins.IDP_OIN, []),
    idp('idp-admin', 'admin', p.oins.ADMIN_IDP_OIN, ['--role', 'admin', '--artifact-post']),
  ]);

  let systemPort = 0;
  await startChild(
    'poortd',
    [daemon, '--config', config],
    (line) => {
      if (line.includes('"listener.listening"')) {
        const v = JSON.parse(line);
        if (v.listener === 'system') systemPort = Number(v.address.slice(v.address.lastIndexOf(':') + 1));
      }
      return line.includes('"server.ready"');
    },
    30000,
  );
  log(`poortd ready on https://localhost:${port}/ (system ${systemPort}), IdPs ${brokerPort} and ${adminIdpPort}, after ${Date.now() - started} ms`);

  const envFile = path.join(tmp, 'e2e-env.json');
  fs.writeFileSync(
    envFile,
    JSON.stringify(
      {
        portalUrl: `https://localhost:${port}`,
        systemPort,
        pkiDir: p.dir,
        oins: p.oins,
        database: path.join(tmp, 'poort.db'),
        sessionIdleTimeoutS: 900,
        artifacts,
        python,
      },
      null,
      2,
    ),
  );

  const args = ['--test', '--test-reporter=spec'];
  if (pattern) args.push(`--test-name-pattern=${pattern}`);
  args.push(path.join(e2e, 'portal.test.mjs'));
  const code = await new Promise((resolve) => {
    const t = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, POORT_E2E_ENV: envFile } });
    t.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
  });

  if (process.env.POORT_E2E_UPDATE_DOCS === '1') copyDocScreenshots();
  log(`${code === 0 ? 'all browser tests passed' : 'browser tests FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots and logs in ${artifacts}`);
  return code;
}

/// The screenshots the README shows.
function copyDocScreenshots() {
  const docs = path.join(src, 'docs', 'screenshots');
  fs.mkdirSync(docs, { recursive: true });
  for (const name of ['startpagina', 'berichten', 'informatieblad', 'aanvraag-beoordelen', 'berichten-zoekresultaat', 'informatieblad-na-intrekking']) {
    const shot = fs.readdirSync(artifacts).find((f) => f.replace(/^\d+-/, '') === `${name}.png`);
    if (shot) fs.copyFileSync(path.join(artifacts, shot), path.join(docs, `${name}.png`));
    else log(`no screenshot ${name}.png to copy to docs/screenshots`);
  }
}

let exitCode = 1;
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    stopAll().then(() => process.exit(130));
  });
try {
  exitCode = await main();
} catch (e) {
  log(`setup failed: ${e.stack || e}`);
  if (e.stderr) process.stderr.write(e.stderr);
} finally {
  await stopAll();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(exitCode);
