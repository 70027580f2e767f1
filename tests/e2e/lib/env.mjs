// The environment runner.mjs started: ports, PKI and paths (POORT_E2E_ENV).
// Also the two things the tests do outside the browser: a prison's push over
// mutual TLS, and ageing a browser session in the store.

import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';

if (!process.env.POORT_E2E_ENV) throw new Error('run the browser tests with tests/e2e/run BUILD_DIR');

/** {portalUrl, systemPort, pkiDir, oins, database, sessionIdleTimeoutS, artifacts, python} */
export const env = JSON.parse(fs.readFileSync(process.env.POORT_E2E_ENV, 'utf8'));

export const pkiFile = (name) => fs.readFileSync(path.join(env.pkiDir, name), 'utf8');

/**
 * A request of party `who` (a client certificate of the PKI, e.g. "pi-1") to
 * the system listener over mutual TLS, trusting only the test CA.
 * Resolves with {status, body} (body parsed when it is JSON).
 */
export function systemRequest(method, target, body, who = 'pi-1') {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port: env.systemPort,
        method,
        path: target,
        ca: pkiFile('ca.crt'),
        cert: pkiFile(`${who}.crt`),
        key: pkiFile(`${who}.key`),
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let parsed = text;
          try {
            parsed = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Makes the browser session whose cookie value is `cookieValue` idle for
 * longer than session.idle_timeout_s, by moving its times back in the store
 * (the daemon then refuses it as idle_timeout, as it would after a long break).
 * Returns the number of sessions changed (1).
 */
export function ageSession(cookieValue) {
  const hash = crypto.createHash('sha256').update(cookieValue).digest('hex');
  const script = `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
n = db.execute("UPDATE sessions SET created_at = created_at - ?1, last_seen = last_seen - ?1, expires_at = expires_at - ?1 WHERE id_hash = ?2",
               (int(sys.argv[2]), sys.argv[3])).rowcount
db.commit()
print(n)
`;
  const out = execFileSync(env.python, ['-c', script, env.database, String(env.sessionIdleTimeoutS + 60), hash], {
    encoding: 'utf8',
  });
  return Number(out.trim());
}
