/**
 * `npm run bench`: every benchmark suite, one after another, each printing its table; with
 * `--json FILE` all records ({ bench, impl, np, size, value, unit }) go to one file.
 * `--quick` runs each suite briefly (the whole run in under a minute on 2 cores).
 *
 *   npm run bench [-- --quick] [-- --json FILE]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeJsonIfAsked, type Measurement } from './lib/records.js';

const SUITES = ['p2p.ts', 'collectives.ts', 'pools.ts'];
const quick = process.argv.includes('--quick') ? ['--quick'] : [];
const scratch = mkdtempSync(join(tmpdir(), 'tsmpi-bench-'));
const all: Measurement[] = [];
try {
  for (const suite of SUITES) {
    const json = join(scratch, `${suite}.json`);
    const result = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./${suite}`, import.meta.url)), ...quick, '--json', json], {
      stdio: 'inherit',
    });
    if (result.status !== 0) throw new Error(`benchmark suite ${suite} failed with exit code ${result.status}`);
    all.push(...(JSON.parse(readFileSync(json, 'utf8')) as Measurement[]));
    console.log('');
  }
  writeJsonIfAsked(all);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
