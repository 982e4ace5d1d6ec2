/**
 * The simulator's TLS identity: a fresh self-signed P-256 certificate for CN=localhost with SANs
 * localhost and 127.0.0.1, and its SPKI pin (`sha256/<base64 of SHA-256 of the DER
 * SubjectPublicKeyInfo>`), the form `connect()`'s `tls.pins` takes.
 */
import { createHash, X509Certificate } from 'node:crypto';

import { generate } from 'selfsigned';

export interface SimCertificate {
  /** PEM private key. */
  key: string;
  /** PEM certificate. */
  cert: string;
  /** `sha256/<base64>` of the certificate's SubjectPublicKeyInfo. */
  pin: string;
}

/** The SPKI pin of a PEM certificate. */
export function spkiPin(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}

/** A new self-signed certificate for localhost / 127.0.0.1, valid for 30 days. */
export async function generateCertificate(): Promise<SimCertificate> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 30 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert, pin: spkiPin(pems.cert) };
}
