import tls from 'node:tls';

/** The certificate a TLS endpoint presents: whom it names and when it stops being valid. */
export interface PeerCertificate {
  subject: string;
  /** valid_to, epoch ms. */
  notAfter: number;
}

/**
 * Connects, reads the peer certificate and hangs up. Any failure (refused, timed out, not TLS) is null: a
 * missing certificate is no evidence, and the probe reports the connection itself. Verification is off on
 * purpose: an expired or self-signed certificate is exactly what this is asked to read.
 */
export function peerCertificate(
  host: string,
  port: number,
  opts: { servername?: string; timeoutMs?: number } = {},
): Promise<PeerCertificate | null> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: PeerCertificate | null) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(v);
    };
    const servername = opts.servername ?? host;
    const socket = tls.connect({
      host,
      port,
      // SNI takes names only, never an address.
      servername: /^[\d.]+$|:/.test(servername) ? undefined : servername,
      rejectUnauthorized: false,
    });
    socket.setTimeout(opts.timeoutMs ?? 1000, () => finish(null));
    socket.once('error', () => finish(null));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      const notAfter = cert?.valid_to ? Date.parse(cert.valid_to) : Number.NaN;
      if (!Number.isFinite(notAfter)) return finish(null);
      const cn = cert.subject?.CN;
      finish({ subject: (Array.isArray(cn) ? cn[0] : cn) || `${host}:${port}`, notAfter });
    });
  });
}

/** The host and port of an https URL, or null for any other URL. */
export function tlsEndpoint(url: string): { host: string; port: number } | null {
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:') return null;
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 443) };
  } catch {
    return null;
  }
}
