/**
 * Reads a job log as lines, keeping at most `maxBytes` of its end: a failure is at the end of a log, and a
 * runaway log must not fill memory. Works on a web stream, a Node stream or a whole string alike.
 */
export async function tailLines(
  source: AsyncIterable<Uint8Array | string> | string,
  maxBytes: number,
): Promise<{ lines: string[]; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  const iterable = typeof source === 'string' ? [source] : source;
  for await (const c of iterable) {
    const buf = typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c);
    chunks.push(buf);
    size += buf.length;
    while (size - (chunks[0]?.length ?? 0) >= maxBytes && chunks.length > 1) {
      size -= chunks.shift()?.length ?? 0;
      truncated = true;
    }
  }
  let all = Buffer.concat(chunks);
  if (all.length > maxBytes) {
    all = all.subarray(all.length - maxBytes);
    truncated = true;
  }
  const lines = all.toString('utf8').split(/\r?\n/);
  // A cut through the middle of a line leaves half of it: drop it.
  if (truncated) lines.shift();
  if (lines.at(-1) === '') lines.pop();
  return { lines, truncated };
}

/** ANSI colour codes and GitLab's `\r\e[0K` erase sequences, which mean nothing to the miner. */
export function stripAnsi(line: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what is removed
  return line.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}
