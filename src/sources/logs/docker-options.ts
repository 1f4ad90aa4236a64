import type Docker from 'dockerode';
import type { Clock } from '../../core/index.js';
import type { DockerStream } from './docker-demux.js';
import type { DockerPosition } from './docker-stamp.js';

/** One record of a container's log: a line, or several joined (a stack trace), without Docker's stamp. */
export interface DockerRecord {
  text: string;
  stream: DockerStream;
  /** Docker's stamp of the record's first line, in ms since the epoch. */
  time: number;
  lines: number;
  /** Where a restart resumes once this record is stored; null when no line so far had a stamp. */
  position: DockerPosition | null;
}

/** The two calls of pino's Logger that the source makes. */
export interface DockerLogLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface DockerLogOptions {
  /** Name or id. */
  container: string;
  /** The daemon's unix socket; or `url` (http://host:2375); neither: dockerode's default ($DOCKER_HOST). */
  socketPath?: string | null;
  url?: string | null;
  /** Receives records in log order; the next ones wait until it returns (or resolves): backpressure. */
  onRecords: (records: DockerRecord[]) => void | Promise<void>;
  stdout?: boolean;
  stderr?: boolean;
  /** With no saved position, start at the time of start() rather than at the oldest line Docker kept. */
  fromEnd?: boolean;
  clock?: Clock;
  logger?: DockerLogLogger;
  /** Continuation lines (joined to the record before them); null joins nothing. */
  continuation?: RegExp | null;
  /** A multi-line record is finished after this long without a continuation line. */
  idleFlushMs?: number;
  /** First wait before reconnecting; doubles per failed attempt up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  maxLineBytes?: number;
}

export interface DockerLogStats {
  records: number;
  lines: number;
  /** Lines Docker sent again on a resume (at or before the saved position) and that were dropped. */
  replayed: number;
  /** Log streams opened. */
  connects: number;
  /** Times the stream was lost (stream ended, daemon unreachable, container gone). */
  outages: number;
  /** Lines cut because they exceeded maxLineBytes. */
  truncatedLines: number;
}

/** dockerode's options for an endpoint: a socket, a URL, or undefined for its default ($DOCKER_HOST). */
export function dockerOptions(
  socketPath?: string | null,
  url?: string | null,
): Docker.DockerOptions | undefined {
  if (socketPath) return { socketPath };
  if (url) {
    const u = new URL(url);
    const protocol = u.protocol === 'https:' ? 'https' : 'http';
    return { protocol, host: u.hostname, port: u.port || (protocol === 'https' ? 2376 : 2375) };
  }
  return undefined;
}
