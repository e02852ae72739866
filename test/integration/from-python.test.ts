/**
 * docs/from-python.md: every program in examples/from-python runs the way the guide says, and
 * prints what the guide shows. The guide's TypeScript blocks are the example files themselves
 * (or marked excerpts of them).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { availableCores } from 'tsmpi/launcher';
import { assertNoProcessLeft, ROOT, runTsmpiexec } from '../helpers/run-tsmpiexec.js';
import { runProgram } from '../helpers/run-program.js';

const DIR = 'examples/from-python';
const example = (name: string): string => `${DIR}/${name}`;
const linesOf = (text: string): string[] => text.trimEnd().split('\n');

/** The example files a test below runs (simulations.ts is the module map-plain.ts's workers import). */
const COVERED = new Set([
  'map.ts',
  'map-plain.ts',
  'simulations.ts',
  'starmap.ts',
  'imap.ts',
  'processes.ts',
  'queue-farm.ts',
  'ordered-print.ts',
  'futures.ts',
  'errors.ts',
  'environment.ts',
  'commands.txt',
]);

describe('the guide for Python users (docs/from-python.md)', { timeout: 600_000 }, () => {
  let tmp = '';
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'tsmpi-from-python-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('every file in examples/from-python is run by a test here', { timeout: 10_000 }, () => {
    assert.deepEqual(readdirSync(join(ROOT, DIR)).sort(), [...COVERED].sort());
  });

  it('the code in the guide is the code of the examples', { timeout: 10_000 }, () => {
    const guide = readFileSync(join(ROOT, 'docs/from-python.md'), 'utf8');
    // Each example block is announced by a line naming its file: "`examples/from-python/map.ts`:",
    // or "Excerpt of `examples/from-python/map.ts`:" for part of the file.
    const blocks = [...guide.matchAll(/^(Excerpt of )?`(examples\/from-python\/[\w.-]+)`[^\n]*:\n\n```(?:ts)?\n([\s\S]*?)^```$/gm)];
    const tsBlocks = [...guide.matchAll(/^```ts$/gm)].length;
    assert.equal(blocks.filter(([, , file]) => file?.endsWith('.ts')).length, tsBlocks, 'every ts block of the guide names the example it comes from');
    const shown = new Set<string>();
    for (const [, excerpt, file, code] of blocks as unknown as [string, string | undefined, string, string][]) {
      const source = readFileSync(join(ROOT, file), 'utf8');
      if (excerpt === undefined) assert.equal(code, source, `${file}: the guide shows the whole file, and it differs`);
      else assert.ok(source.includes(code), `${file}: the excerpt in the guide is not in the file:\n${code}`);
      shown.add(file.slice(DIR.length + 1));
    }
    assert.deepEqual([...shown].sort(), [...COVERED].sort(), 'the guide shows every example');
  });

  it('map.ts: Pool.map with openPool under tsmpiexec (np - 1 workers)', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['--oversubscribe', '-np', '3', example('map.ts'), '12']);
    assert.equal(result.code, 0, result.stderr);
    const expected = Array.from({ length: 12 }, (_, i) => (250 + 10 * i) * 2).join(' ');
    assert.equal(result.stdout, `2 workers: ${expected}\n`);
  });

  it('map-plain.ts: Pool.map with createPool in a plain node program, and nothing is left', { timeout: 60_000 }, async () => {
    const result = await runProgram(example('map-plain.ts'), ['10', '2']);
    assert.equal(result.code, 0, result.stderr);
    const expected = Array.from({ length: 10 }, (_, i) => (250 + 10 * i) * 2).join(' ');
    assert.deepEqual(linesOf(result.stdout), [`2 workers: ${expected}`, 'pool closed']);
    await assertNoProcessLeft(result.marker);
  });

  it('starmap.ts: every pair of the grid, in input order', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['--oversubscribe', '-np', '3', example('starmap.ts'), '3']);
    assert.equal(result.code, 0, result.stderr);
    const expected = [250, 300, 350].flatMap((t) => [1, 2].map((p) => `T=${t} p=${p}: ${t * p}`));
    assert.deepEqual(linesOf(result.stdout), expected);
  });

  it('imap.ts: imap keeps input order, imapUnordered yields the same results as they finish', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['--oversubscribe', '-np', '3', example('imap.ts'), '20']);
    assert.equal(result.code, 0, result.stderr);
    const squares = Array.from({ length: 20 }, (_, i) => i * i);
    const [ordered, unordered] = linesOf(result.stdout) as [string, string];
    assert.equal(ordered, `imap:           ${squares.join(' ')}`);
    const match = /^imap_unordered: ([\d ]+)$/.exec(unordered);
    assert.ok(match, unordered);
    const values = (match[1] as string).split(' ').map(Number);
    assert.deepEqual([...values].sort((a, b) => a - b), squares);
    // The first reading takes 200 ms: the unordered results do not wait for it.
    assert.notEqual(values[0], 0, `imapUnordered waited for the slow first item: ${unordered}`);
  });

  it('processes.ts: every rank runs work(rank), and gather joins them on rank 0', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['--oversubscribe', '-np', '4', example('processes.ts'), '1000']);
    assert.equal(result.code, 0, result.stderr);
    const lines = linesOf(result.stdout);
    assert.equal(lines.length, 5, result.stdout);
    for (let rank = 0; rank < 4; rank++) {
      let partial = 0;
      for (let i = rank; i < 1000; i += 4) partial += i;
      assert.ok(lines.includes(`process ${rank} of 4: partial sum ${partial}`), `rank ${rank} is missing or wrong:\n${result.stdout}`);
    }
    const joined = lines.indexOf('all 4 processes joined; total 499500');
    assert.ok(joined > lines.indexOf('process 0 of 4: partial sum 124500'), result.stdout);
  });

  it('queue-farm.ts: rank 0 hands out every item on request, and every consumer works', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['--oversubscribe', '-np', '3', example('queue-farm.ts'), '20']);
    assert.equal(result.code, 0, result.stderr);
    const [summary, ...consumers] = linesOf(result.stdout);
    assert.equal(summary, `20 results, sum ${Array.from({ length: 20 }, (_, i) => i * i).reduce((a, b) => a + b, 0)}`);
    const counts = consumers.map((line) => /^consumer (\d) did (\d+) items$/.exec(line));
    assert.deepEqual(counts.map((match) => match?.[1]), ['1', '2'], result.stdout);
    const done = counts.map((match) => Number(match?.[2]));
    assert.equal(done.reduce((a, b) => a + b, 0), 20);
    assert.ok(done.every((count) => count >= 1), `a consumer got no work: ${result.stdout}`);
  });

  it('ordered-print.ts: long lines arrive whole, tagged, and the turns come in rank order', { timeout: 60_000 }, async () => {
    const width = 20_000;
    const result = await runTsmpiexec(['--oversubscribe', '-np', '3', '--tag-output', example('ordered-print.ts'), String(width)]);
    assert.equal(result.code, 0, result.stderr);
    const lines = linesOf(result.stdout);
    assert.equal(lines.length, 6, result.stdout.slice(0, 2000));
    const long = lines.filter((line) => line.includes('long line'));
    assert.equal(long.length, 3);
    for (const line of long) {
      const rank = line[1] as string;
      assert.ok(line === `[${rank}] rank ${rank} long line: ${rank.repeat(width)}`, `a long line is broken or mixed: ${line.slice(0, 80)}...`);
    }
    assert.deepEqual(
      lines.filter((line) => line.endsWith('in turn')),
      ['[0] rank 0 of 3, in turn', '[1] rank 1 of 3, in turn', '[2] rank 2 of 3, in turn'],
    );
  });

  it('futures.ts: submit, then asCompleted in the order the tasks finish', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['--oversubscribe', '-np', '4', example('futures.ts')]);
    assert.equal(result.code, 0, result.stderr);
    const lines = linesOf(result.stdout);
    const finished = lines.map((line) => /^finished: simulate\(([\d.]+)\) on rank (\d)$/.exec(line));
    assert.deepEqual(finished.map((match) => match?.[1]), ['0.1', '0.25', '0.4'], result.stdout);
    const ranks = finished.map((match) => match?.[2]);
    assert.equal(new Set(ranks).size, 3, 'each task ran on a worker of its own');
    assert.ok(!ranks.includes('0'), 'the root of the pool runs no tasks');
  });

  it('errors.ts: an unregistered function is refused, a failing task gives a RemoteTaskError', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['--oversubscribe', '-np', '3', example('errors.ts')]);
    assert.equal(result.code, 0, result.stderr);
    const lines = linesOf(result.stdout);
    assert.equal(lines.length, 7, result.stdout);
    const [refused, failed, remote, header, name, frame, usable] = lines as [string, string, string, string, string, string, string];
    assert.equal(
      refused,
      'ERR_ARG: the function (anonymous) is not registered with the pool; functions are never sent, so every rank must pass it in openPool({ functions: { ... } })',
    );
    const where = /^ERR_TASK: task invert\(items\[2\]\) failed on rank ([12]) \(host (\S+)\): RangeError: cannot invert 0$/.exec(failed);
    assert.ok(where, failed);
    const [, rank, host] = where as unknown as [string, string, string];
    assert.equal(remote, `remote RangeError on rank ${rank}, host ${host}`);
    assert.equal(header, `### Worker ${rank} of 3 on host ${host}`);
    assert.equal(name, 'RangeError: cannot invert 0');
    assert.match(frame, /^ {4}at invert \(.*examples\/from-python\/errors\.ts:\d+:\d+\)$/);
    assert.equal(usable, 'still usable: 0.25 0.5 1');
  });

  it('environment.ts: comm.rank matches TSMPI_RANK and OMPI_COMM_WORLD_RANK; cores and threads per rank', { timeout: 60_000 }, async () => {
    const cores = availableCores();
    const perRank = Math.max(1, Math.floor(cores / 2));
    const plain = await runTsmpiexec(['--oversubscribe', '-np', '2', example('environment.ts')], { env: { SLURM_CPUS_PER_TASK: undefined } });
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual(
      linesOf(plain.stdout).sort(),
      [0, 1].map((rank) => `rank ${rank} of 2: TSMPI_RANK=${rank} OMPI_COMM_WORLD_RANK=${rank} local rank ${rank} of 2, ${cores} cores here, ${perRank} threads per rank`),
    );
    const slurm = await runTsmpiexec(['--oversubscribe', '-np', '2', '-x', 'SLURM_CPUS_PER_TASK=4', example('environment.ts')]);
    assert.equal(slurm.code, 0, slurm.stderr);
    assert.deepEqual(linesOf(slurm.stdout).map((line) => line.replace(/^.*, /, '')), ['4 threads per rank', '4 threads per rank']);
  });

  it('environment.ts without tsmpiexec is a job of one rank', { timeout: 60_000 }, async () => {
    const result = await runProgram(example('environment.ts'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^rank 0 of 1: TSMPI_RANK=undefined OMPI_COMM_WORLD_RANK=undefined local rank undefined of 1, \d+ cores here, \d+ threads per rank\n$/);
    await assertNoProcessLeft(result.marker);
  });

  it('commands.txt: tsmpiexec --tasks with --joblog, and --resume runs only what did not succeed', { timeout: 60_000 }, async () => {
    const joblog = join(tmp, 'run.log');
    const args = ['--tasks', example('commands.txt'), '--joblog', joblog, '--resume'];
    const expected = [250, 260, 270, 280, 290, 300].map((t) => `T=${t}: ${t * 2}`);

    const first = await runTsmpiexec(args);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(linesOf(first.stdout).sort(), expected);
    const rows = linesOf(readFileSync(joblog, 'utf8'));
    assert.equal(rows[0], 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand');
    const fields = rows.slice(1).map((row) => row.split('\t'));
    assert.deepEqual(fields.map((row) => row[0]).sort(), ['1', '2', '3', '4', '5', '6']);
    assert.ok(fields.every((row) => row[6] === '0' && row[7] === '0'), rows.join('\n'));

    // Everything succeeded: resuming runs nothing.
    const again = await runTsmpiexec(args);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, '');

    // Line 3 recorded as failed (exit value 1): resuming runs only that line.
    writeFileSync(joblog, `${rows.map((row) => (row.startsWith('3\t') ? row.split('\t').map((f, i) => (i === 6 ? '1' : f)).join('\t') : row)).join('\n')}\n`);
    const resumed = await runTsmpiexec(args);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(resumed.stdout, 'T=270: 540\n');
  });
});
