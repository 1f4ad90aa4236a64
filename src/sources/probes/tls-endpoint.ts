import type { CheckConfig } from '../../config/index.js';
import { tlsEndpoint } from '../tls-cert.js';

type TlsCheck = NonNullable<CheckConfig['tls']>;

/** Where a TLS endpoint is and the name its certificate must carry. */
export interface CertificateEndpoint {
  host: string;
  port: number;
  servername: string;
}

/** host, port and the name the certificate must carry, from a tls check's `url` or `host`/`port`/`server_name`. */
export function tlsCheckEndpoint(t: TlsCheck): CertificateEndpoint | { error: string } {
  if (t.url) {
    const e = tlsEndpoint(t.url);
    if (!e) return { error: `not an https URL: ${t.url}` };
    return { ...e, servername: t.server_name ?? e.host };
  }
  const host = t.host ?? '127.0.0.1';
  return { host, port: t.port, servername: t.server_name ?? host };
}

/** The TLS endpoint a check reads a certificate from: a tls check's, or an https check's URL; else null. */
export function certificateEndpoint(check: CheckConfig): CertificateEndpoint | null {
  if (check.tls) {
    const e = tlsCheckEndpoint(check.tls);
    return 'error' in e ? null : e;
  }
  const e = check.http ? tlsEndpoint(check.http.url) : null;
  return e ? { ...e, servername: e.host } : null;
}
