import net from 'node:net';
import tls from 'node:tls';

/** What one handshake showed: the leaf certificate and whether its chain verified against the trusted CAs. */
export interface Handshake {
  cert: tls.DetailedPeerCertificate;
  /** Node's code for a chain that did not verify (UNABLE_TO_VERIFY_LEAF_SIGNATURE…), null when it did. */
  chainError: string | null;
  protocol: string | null;
}

/**
 * Handshakes with host:port and hangs up. Verification is not enforced: an expired, untrusted or misnamed
 * certificate is exactly what the probe is asked to read and describe. The hostname is judged by the caller,
 * so `chainError` speaks only of the chain. Rejects on a connection or handshake failure, or the signal.
 */
export function handshake(
  opts: { host: string; port: number; servername: string; ca?: string[] },
  signal: AbortSignal,
): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: opts.host,
      port: opts.port,
      // SNI takes names only, never an address.
      servername: net.isIP(opts.servername) ? undefined : opts.servername,
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      ca: opts.ca,
    });
    const finish = (err: Error | null, value?: Handshake) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const onAbort = () => finish(signal.reason ?? new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (e) => finish(e));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate(true);
      if (!cert?.valid_to) return finish(new Error('the server presented no certificate'));
      const err = socket.authorizationError as unknown;
      const chainError = socket.authorized ? null : String((err as Error)?.message ?? err ?? 'not trusted');
      finish(null, { cert, chainError, protocol: socket.getProtocol() });
    });
  });
}
