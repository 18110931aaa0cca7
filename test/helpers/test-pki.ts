/** A throwaway CA with a server (localhost) certificate and client certificates, made by `vigil certs`' own code. */
import * as path from 'node:path';
import { initPki, issueCert, type CertRole } from '../../controlplane/src/cli/certs';
import { tempDir } from './temp-dir';

export interface TestPki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  /** The API server's audit webhook client: role audit. */
  clientCert: string;
  clientKey: string;
  /** A client certificate of another role (issued on demand). */
  issue(role: CertRole, name: string): { cert: string; key: string };
}

/** A CA and certificates; the server certificate names `hosts`. */
export function makeTestPki(hosts = ['localhost', '127.0.0.1']): TestPki {
  const dir = tempDir('vigil-pki-');
  initPki(dir, hosts, 1);
  const issue = (role: CertRole, name: string) => {
    const [cert, key] = issueCert(dir, role, name, 1);
    return { cert, key };
  };
  const apiServer = issue('audit', 'kube-apiserver');
  const f = (n: string) => path.join(dir, n);
  return { dir, ca: f('ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'), clientCert: apiServer.cert, clientKey: apiServer.key, issue };
}
