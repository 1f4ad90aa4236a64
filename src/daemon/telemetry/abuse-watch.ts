import {
  type AbuseSettings,
  abuseSettingsOf,
  type LoadedConfig,
  type SecurityConfig,
  type ServiceAbuseConfig,
} from '../../config/index.js';
import type { Clock, Finding, NetworkList } from '../../core/index.js';
import { allowList, ipv6Net64 } from '../../core/index.js';
import { AbuseDetector, parseAddressSpec } from '../../detect/index.js';
import { AbuseTurns } from './abuse-turns.js';
import type { TelemetryGate } from './gate.js';

export interface AbuseWatchOptions {
  service: string;
  abuse: ServiceAbuseConfig | undefined;
  config(): LoadedConfig;
  gate: Pick<TelemetryGate, 'mark'>;
  submit(f: Finding): void;
  clock: Clock;
  /** True while the service has an open incident (see AbuseTurns). */
  busy(): Promise<boolean>;
  /** A warning worth the operator's eye (findings dropped from a full queue). */
  warn?(message: string): void;
}

/** The gate key of an address's abuse condition: the finding's check, so a ban can clear it by address. */
export const abuseCheck = (address: string) => `abuse:${address}`;

/**
 * One service's abuse detector, fed every log line of the service whatever its source (files, Docker,
 * stdout, push). A finding holds the service degraded through the telemetry gate (the heal engine acts only
 * on a failing service, and verifies by its recovery) until a `block` of that address clears it, or at most
 * one window. Findings take turns (abuse-turns.ts). `security` is read at each line, so a reload of the
 * allow-list applies at once.
 */
export class AbuseWatch {
  private readonly detector: AbuseDetector;
  private readonly turns: AbuseTurns;
  private security: SecurityConfig | null = null;
  private allowed: NetworkList = allowList([]);
  /** The IPv6 /64s an allowed address or small network is in: counted per address, never banned whole. */
  private allowedNets = new Set<string>(['::/64']);
  private settings: AbuseSettings;

  private constructor(
    private readonly o: AbuseWatchOptions,
    settings: AbuseSettings,
  ) {
    this.settings = settings;
    this.detector = new AbuseDetector({
      service: o.service,
      settings,
      allowed: (a) => this.allowed.has(a),
      allowedNet: (net) => this.allowedNets.has(net) || this.allowed.has(net.split('/')[0] ?? ''),
      // Validated by the config schema; a changed `logs.abuse` restarts the service's ingestion.
      address: parseAddressSpec(typeof o.abuse === 'object' ? o.abuse.address : undefined),
    });
    this.turns = new AbuseTurns({
      clock: o.clock,
      busy: o.busy,
      maxWaitMs: () => this.settings.window,
      ...(o.warn ? { warn: o.warn } : {}),
      fire: (f) => {
        this.o.gate.mark(this.o.service, f.check, f.at + this.settings.window, f.summary);
        this.o.submit(f);
      },
    });
  }

  /** A watch for the service, or null when its `logs.abuse` leaves detection off. */
  static create(o: AbuseWatchOptions): AbuseWatch | null {
    const settings = abuseSettingsOf(o.config().config.security, o.abuse);
    return settings ? new AbuseWatch(o, settings) : null;
  }

  observe(text: string, at: number): void {
    this.refresh();
    const f = this.detector.observe(text, at);
    if (f) this.turns.offer(f);
  }

  stop(): void {
    this.turns.stop();
  }

  private refresh(): void {
    const security = this.o.config().config.security;
    if (security === this.security) return;
    this.security = security;
    const networks = [...security.allow, ...security.sessions];
    this.allowed = allowList(networks);
    this.allowedNets = new Set(['::/64']); // loopback's
    for (const n of networks) {
      const net = ipv6Net64(n.split('/')[0] ?? '');
      if (net) this.allowedNets.add(net);
    }
    const settings = abuseSettingsOf(security, this.o.abuse);
    if (settings) {
      this.settings = settings;
      this.detector.configure(settings);
    }
  }
}
