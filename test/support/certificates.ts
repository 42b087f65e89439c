import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** A fresh self-signed RSA certificate for 127.0.0.1/localhost, written to a temp dir; valid from now for a year unless said. */
export async function makeCertificate(validity: { notBeforeDate?: Date; notAfterDate?: Date } = {}) {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    ...validity,
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  } as Parameters<typeof generate>[1]);
  const dir = mkdtempSync(join(tmpdir(), 'wiotp-cert-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  writeFileSync(certFile, pems.cert);
  writeFileSync(keyFile, pems.private);
  return { cert: pems.cert, key: pems.private, certFile, keyFile, dir };
}
