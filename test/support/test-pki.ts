import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files of one key pair and its certificate. */
export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** A test CA with a server certificate (127.0.0.1, localhost) and client certificates, made with the openssl CLI. */
export interface TestPki {
  readonly caFile: string;
  readonly ca: Buffer;
  readonly server: TestCertificate;
  /** Issues a client certificate with this CA. */
  client(name: string): Promise<TestCertificate>;
}

async function keyAndCsr(dir: string, name: string, cn: string): Promise<{ keyFile: string; csrFile: string }> {
  const keyFile = join(dir, `${name}.key.pem`);
  const csrFile = join(dir, `${name}.csr`);
  await run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', csrFile, '-subj', `/C=DE/O=Weiche Test/CN=${cn}`]);
  return { keyFile, csrFile };
}

async function loaded(certFile: string, keyFile: string): Promise<TestCertificate> {
  return { certFile, keyFile, cert: await readFile(certFile), key: await readFile(keyFile) };
}

/** Creates a CA named `name` under `dir`; every certificate it signs is valid for a day. */
export async function createTestPki(dir: string, name: string): Promise<TestPki> {
  const caKey = join(dir, `${name}-ca.key.pem`);
  const caFile = join(dir, `${name}-ca.pem`);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-keyout', caKey, '-out', caFile, '-subj', `/C=DE/O=Weiche Test/CN=${name} CA`]);
  const sign = async (certName: string, cn: string, ext: string): Promise<TestCertificate> => {
    const { keyFile, csrFile } = await keyAndCsr(dir, certName, cn);
    const extFile = join(dir, `${certName}.ext`);
    await writeFile(extFile, ext);
    const certFile = join(dir, `${certName}.pem`);
    await run('openssl', ['x509', '-req', '-in', csrFile, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-days', '1', '-out', certFile, '-extfile', extFile]);
    return loaded(certFile, keyFile);
  };
  const server = await sign(`${name}-server`, 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  return {
    caFile,
    ca: await readFile(caFile),
    server,
    client: (clientName) => sign(`${name}-client-${clientName}`, clientName, 'extendedKeyUsage=clientAuth\n'),
  };
}
