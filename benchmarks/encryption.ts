/**
 * What --encrypt costs: two ranks on two "hosts" of this machine (--launcher local), so that they
 * talk over tcp on loopback as ranks on different nodes do, once without and once with --encrypt
 * (ZeroMQ CURVE). Latency of 8 B and bandwidth of 1 MiB messages, medians of repeated runs
 * (benchmarks/encryption-rank.ts). Every connection is authenticated either way; authentication
 * costs only at connection set-up, encryption costs on every byte.
 *
 *   node --import tsx benchmarks/encryption.ts [--quick] [--json FILE]
 */
import { fileURLToPath } from 'node:url';
import { find, runForRecords, summarizeRuns, writeJsonIfAsked, type Measurement } from './lib/records.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const quick = process.argv.includes('--quick') ? ['--quick'] : [];
const run = (impl: string, extra: string[]): Measurement[] => {
  const args = [here('../dist/bundle/tsmpiexec.js'), '--launcher', 'local', '--host', 'a:1,b:1', ...extra, here('./encryption-rank.ts'), impl, ...quick];
  return runForRecords(process.execPath, args);
};

const records = [...run('tsmpi tcp', []), ...run('tsmpi tcp --encrypt', ['--encrypt'])];

console.log(`--encrypt, 2 ranks on two hosts of one machine (tcp on loopback), ${new Date().toISOString().slice(0, 10)}`);
console.log(['measurement'.padEnd(12), 'bytes'.padStart(9), 'tcp'.padStart(14), '--encrypt'.padStart(14), 'ratio'.padStart(7)].join(' '));
for (const plain of records.filter((m) => m.impl === 'tsmpi tcp')) {
  const encrypted = find(records, plain.bench, 'tsmpi tcp --encrypt', plain.np, plain.size);
  const cell = (m: Measurement | undefined): string => (m === undefined ? '-' : `${m.value.toFixed(1)} ${m.unit}`);
  const ratio = encrypted === undefined ? '-' : (encrypted.value / plain.value).toFixed(2);
  console.log([plain.bench.padEnd(12), String(plain.size).padStart(9), cell(plain).padStart(14), cell(encrypted).padStart(14), ratio.padStart(7)].join(' '));
}
writeJsonIfAsked(summarizeRuns(records));
