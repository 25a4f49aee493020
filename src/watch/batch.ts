/**
 * What one batch of changed paths asks of each service, decided purely from the rules, as Compose's
 * `handleWatchBatch` decides it: the files to sync (with where each goes), whether to rebuild, to
 * restart, and which `sync+exec` commands to run (each once, however many files matched it).
 */
import { matchRule, type PathMapping, type WatchRule } from './rules.js';

export interface ServiceBatch {
  service: string;
  rebuild: boolean;
  /** Distinct container paths, the last change of a path winning. */
  sync: PathMapping[];
  restart: boolean;
  /** The `sync+exec` rules that matched, in their order in the file, once each. */
  exec: WatchRule[];
  /** How many changed paths counted for this service. */
  changes: number;
}

function emptyBatch(service: string): ServiceBatch {
  return { service, rebuild: false, sync: [], restart: false, exec: [], changes: 0 };
}

/** Applies one matched rule to the service's batch. */
function apply(batch: ServiceBatch, rule: WatchRule, mapping: PathMapping, synced: Map<string, PathMapping>): void {
  const sync = (): void => void synced.set(mapping.containerPath ?? mapping.hostPath, mapping);
  switch (rule.action) {
    case 'rebuild':
      batch.rebuild = true;
      break;
    case 'restart':
      batch.restart = true;
      break;
    case 'sync':
      sync();
      break;
    case 'sync+restart':
      sync();
      batch.restart = true;
      break;
    case 'sync+exec':
      sync();
      if (!batch.exec.includes(rule)) batch.exec.push(rule);
      break;
  }
}

/** The work each service has from these changed paths; services nothing matched are left out. Sorted by service. */
export function planBatch(rules: readonly WatchRule[], paths: readonly string[]): ServiceBatch[] {
  const batches = new Map<string, { batch: ServiceBatch; synced: Map<string, PathMapping>; counted: Set<string> }>();
  for (const path of paths) {
    for (const rule of rules) {
      const mapping = matchRule(rule, path);
      if (!mapping) continue;
      let entry = batches.get(rule.service);
      if (!entry) {
        entry = { batch: emptyBatch(rule.service), synced: new Map(), counted: new Set() };
        batches.set(rule.service, entry);
      }
      entry.counted.add(path);
      apply(entry.batch, rule, mapping, entry.synced);
    }
  }
  return [...batches.values()]
    .map(({ batch, synced, counted }) => ({
      ...batch,
      sync: [...synced.values()],
      exec: [...batch.exec].sort((a, b) => a.index - b.index),
      changes: counted.size,
    }))
    .sort((a, b) => a.service.localeCompare(b.service));
}
