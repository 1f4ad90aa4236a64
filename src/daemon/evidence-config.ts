import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { MedicConfig } from '../config/index.js';
import type { EvidenceBundle } from '../diagnose/index.js';
import { type Backups, sha256 } from '../remediate/index.js';

type ConfigChange = NonNullable<EvidenceBundle['configChanges']>[number];

/**
 * The service's settings files (its `config_files` and the `drift.files` that name it) whose content is not
 * their last known good version, with when each was last written: "what changed?" is the first question of
 * any outage. A file with no known good version, or that cannot be read, says nothing and is left out.
 */
export async function configEvidence(
  config: MedicConfig,
  baseDir: string,
  service: string,
  backups: Pick<Backups, 'lastKnownGood'>,
): Promise<ConfigChange[]> {
  const files = new Set<string>();
  for (const f of config.services[service]?.config_files ?? []) files.add(path.resolve(baseDir, f));
  for (const f of config.drift?.files ?? [])
    if (f.service === service) files.add(path.resolve(baseDir, f.path));
  const out: ConfigChange[] = [];
  await Promise.all(
    [...files].map(async (file) => {
      try {
        const good = await backups.lastKnownGood(file);
        if (!good) return;
        const [content, st] = await Promise.all([readFile(file), stat(file)]);
        if (sha256(content) === good.hash) return;
        out.push({ path: file, changedAt: st.mtimeMs, knownGoodAt: good.goodAt ?? good.createdAt });
      } catch {
        // Unreadable now (removed, permissions): another check reports that.
      }
    }),
  );
  return out.sort((a, b) => a.changedAt - b.changedAt);
}
