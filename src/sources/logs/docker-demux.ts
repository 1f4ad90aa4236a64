/** Which of a container's streams a line came from. */
export type DockerStream = 'stdout' | 'stderr';

const MAX_FRAME = 16 * 1024 * 1024;

export interface DockerFrame {
  stream: DockerStream;
  payload: Buffer;
  /** False for a raw (TTY) stream: the payload is a chunk cut anywhere, not one write of the container. */
  framed: boolean;
  /** Stream 3: the daemon's own error about the log (a corrupt json-file entry), not a line of the container. */
  system?: boolean;
}

/**
 * Cuts Docker's multiplexed stream into frames: an 8-byte header (stream 0 stdin, 1 stdout, 2 stderr; three
 * zero bytes; the payload's length, big-endian) and the payload. A container with a TTY sends a raw stream
 * instead; a header that cannot be one (the inspect said no TTY, wrongly) switches to raw too, rather than
 * waiting for a length read from text.
 */
export class DockerDemuxer {
  private buf: Buffer = Buffer.alloc(0);
  /** A valid frame was seen: the stream is multiplexed, and only its first header may say it is raw. */
  private framed = false;

  constructor(private raw: boolean) {}

  get isRaw(): boolean {
    return this.raw;
  }

  push(chunk: Buffer): DockerFrame[] {
    if (this.raw) return chunk.length > 0 ? [{ stream: 'stdout', payload: chunk, framed: false }] : [];
    let buf = this.buf.length > 0 ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: DockerFrame[] = [];
    while (buf.length >= 8) {
      const type = buf[0] as number;
      const len = buf.readUInt32BE(4);
      if (type > 3 || buf[1] !== 0 || buf[2] !== 0 || buf[3] !== 0 || len > MAX_FRAME) {
        if (this.framed) {
          // Framed so far: a bad header is damage, not a raw stream. What is left of this read is dropped
          // (the connection's position stays at the last line delivered).
          buf = Buffer.alloc(0);
          break;
        }
        this.raw = true;
        out.push({ stream: 'stdout', payload: buf, framed: false });
        buf = Buffer.alloc(0);
        break;
      }
      if (buf.length < 8 + len) break;
      this.framed = true;
      const payload = buf.subarray(8, 8 + len);
      if (type === 3) out.push({ stream: 'stderr', payload, framed: true, system: true });
      else out.push({ stream: type === 2 ? 'stderr' : 'stdout', payload, framed: true });
      buf = buf.subarray(8 + len);
    }
    // Keep a copy of the remainder only, so a large chunk is not held for a few bytes.
    this.buf = buf.length > 0 ? Buffer.from(buf) : Buffer.alloc(0);
    return out;
  }
}
