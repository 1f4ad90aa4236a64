import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import tls from 'node:tls';
import type { CheckConfig } from '../../config/index.js';
import { errorMessage, type ProbeResult } from '../../core/index.js';
import { describeNetError, startTimer, timedOut } from './common.js';
import type { Probe, ProbeContext } from './probe.js';
import { tlsCheckEndpoint } from './tls-endpoint.js';
import { type Handshake, handshake } from './tls-handshake.js';

type TlsCheck = NonNullable<CheckConfig['tls']>;
const DAY = 86_400_000;
const round1 = (n: number) => Math.round(n * 10) / 10;
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const pct = (f: number) => `${Math.round(f * 100)}%`;

function name(n: tls.Certificate | undefined): string | undefined {
  const v = n?.CN ?? n?.O;
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The certificate a TLS endpoint presents: days until it expires, its issuer, whether its chain verifies and
 * whether it names the host. Thresholds are fractions of the certificate's own lifetime, not days: 30 days
 * is most of a 47-day certificate's life (lifetimes shrink to 47 days by 2029) yet late for a yearly one.
 * Under `warn_fraction` is `degraded` (time to renew); under `critical_fraction`, expired,
 * not yet valid, a hostname mismatch or an untrusted chain is `down`: clients refuse it, or soon will.
 */
export const tlsProbe: Probe = {
  kind: 'tls',
  async run(check: CheckConfig, ctx: ProbeContext): Promise<ProbeResult> {
    const t = check.tls;
    if (!t) return { ok: false, latencyMs: 0, message: 'not a tls check' };
    const ep = tlsCheckEndpoint(t);
    if ('error' in ep) return { ok: false, latencyMs: 0, message: ep.error };
    const where = `${ep.host}:${ep.port}`;
    const details: Record<string, unknown> = { host: ep.host, port: ep.port, serverName: ep.servername };
    if (ctx.signal.aborted) return timedOut(check, 0, details);
    const elapsed = startTimer();
    let ca: string[] | undefined;
    if (t.ca) {
      const path = resolve(ctx.baseDir, t.ca);
      try {
        // Added to the public roots, not instead of them: Node's `ca` option replaces them.
        ca = [...tls.rootCertificates, await readFile(path, 'utf8')];
      } catch (err) {
        return { ok: false, latencyMs: 0, message: `cannot read ca ${path}: ${errorMessage(err)}`, details };
      }
    }
    let hs: Handshake;
    try {
      hs = await handshake({ ...ep, ca }, ctx.signal);
    } catch (err) {
      if (ctx.signal.aborted) return timedOut(check, elapsed(), details);
      const code = (err as { code?: unknown }).code;
      const stage =
        typeof code === 'string' && !code.startsWith('ERR_SSL') ? 'cannot connect' : 'TLS handshake failed';
      return {
        ok: false,
        latencyMs: elapsed(),
        message: `${where}: ${stage}: ${describeNetError(err)}`,
        details,
      };
    }
    return judge(t, where, ep.servername, hs, details, elapsed());
  },
};

/** The certificate's figures into details, then the worst trouble first into the message. */
function judge(
  t: TlsCheck,
  where: string,
  servername: string,
  hs: Handshake,
  details: Record<string, unknown>,
  latencyMs: number,
): ProbeResult {
  const { cert } = hs;
  const notBefore = Date.parse(cert.valid_from);
  const notAfter = Date.parse(cert.valid_to);
  const now = Date.now();
  const lifetime = notAfter - notBefore;
  const fractionLeft = lifetime > 0 ? Math.max(0, (notAfter - now) / lifetime) : 0;
  const hostError = tls.checkServerIdentity(servername, cert);
  const subject = name(cert.subject) ?? where;
  const issuer = name(cert.issuer) ?? 'unknown issuer';
  Object.assign(details, {
    subject,
    issuer,
    altNames: cert.subjectaltname?.split(', ') ?? [],
    notBefore: new Date(notBefore).toISOString(),
    notAfter: new Date(notAfter).toISOString(),
    daysLeft: round1((notAfter - now) / DAY),
    lifetimeDays: round1(lifetime / DAY),
    fractionLeft: Math.round(fractionLeft * 1000) / 1000,
    hostnameMatch: hostError === undefined,
    chainValid: hs.chainError === null,
    chainError: hs.chainError,
    protocol: hs.protocol,
    fingerprint256: cert.fingerprint256,
  });
  const down = (message: string): ProbeResult => ({
    ok: false,
    latencyMs,
    message: `${where}: ${message}`,
    details,
  });
  // Worded as Node words them, so the cert_expiring rule (diagnose/signals.ts CERT) recognises them.
  if (now < notBefore) return down(`certificate is not yet valid: ${subject} until ${cert.valid_from}`);
  if (now >= notAfter) {
    const ago = round1((now - notAfter) / DAY);
    return down(`certificate has expired: ${subject}, ${ago} days ago (${cert.valid_to})`);
  }
  if (hostError) return down(`certificate does not name ${servername}: ${hostError.message}`);
  if (hs.chainError) return down(`certificate chain not trusted (${hs.chainError}); issuer ${issuer}`);

  const days = round1((notAfter - now) / DAY);
  const left = `expires in ${days} days (${date(notAfter)}), ${pct(fractionLeft)} of its ${Math.round(lifetime / DAY)}-day lifetime left`;
  const base = `certificate for ${subject} ${left}`;
  if (fractionLeft <= t.critical_fraction) {
    return down(`${base}, under critical_fraction ${pct(t.critical_fraction)}; issuer ${issuer}`);
  }
  if (fractionLeft <= t.warn_fraction) {
    return {
      ...down(`${base}, under warn_fraction ${pct(t.warn_fraction)}; issuer ${issuer}`),
      degraded: true,
    };
  }
  return { ok: true, latencyMs, message: `${where}: ${base}; issuer ${issuer}`, details };
}
