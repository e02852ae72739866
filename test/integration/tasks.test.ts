/** tsmpiexec --tasks: command lists run GNU parallel style on the job's ranks. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runTsmpiexec } from '../helpers/run-tsmpiexec.js';

let dir = '';
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('tsmpiexec --tasks', { timeout: 300_000 }, () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsmpi-tasks-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every line on the ranks, keeping each command\'s output together', { timeout: 60_000 }, async () => {
    // Each command prints three lines with pauses between them: interleaving would show.
    const commands = Array.from({ length: 8 }, (_, i) => `for n in 1 2 3; do echo "cmd${i} line$n on rank $TSMPI_RANK"; sleep 0.05; done`).join('\n');
    const result = await runTsmpiexec(['-np', '2', '--tasks', file('cmds.txt', `${commands}\n`)]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 24);
    for (let i = 0; i < lines.length; i += 3) {
      const [first, second, third] = lines.slice(i, i + 3) as [string, string, string];
      const match = /^cmd(\d) line1 on rank (\d)$/.exec(first);
      assert.ok(match, first);
      assert.equal(second, `cmd${match[1]} line2 on rank ${match[2]}`);
      assert.equal(third, `cmd${match[1]} line3 on rank ${match[2]}`);
    }
    const ranks = new Set(lines.map((line) => line.slice(-1)));
    assert.deepEqual([...ranks].sort(), ['0', '1'], 'every rank runs commands');
  });

  it('exits with the number of failed commands, writes the joblog, and --resume reruns only failures', { timeout: 60_000 }, async () => {
    const tasks = file('mixed.txt', 'echo ok-1\nexit 3\n\necho ok-2\nfalse\n');
    const joblog = join(dir, 'joblog.tsv');
    const first = await runTsmpiexec(['-np', '2', '--tasks', tasks, '--joblog', joblog]);
    assert.equal(first.code, 2, first.stderr);
    assert.match(first.stderr, /^tsmpiexec --tasks: 2 of 4 commands failed$/m);
    const rows = readFileSync(joblog, 'utf8').trim().split('\n');
    assert.equal(rows[0], 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand');
    const bySeq = new Map(rows.slice(1).map((row) => row.split('\t')).map((fields) => [fields[0], fields]));
    assert.deepEqual([...bySeq.keys()].sort(), ['1', '2', '4', '5']);
    assert.deepEqual([bySeq.get('2')?.[6], bySeq.get('2')?.[8]], ['3', 'exit 3']);
    assert.match(bySeq.get('1')?.[2] ?? '', /^\d+\.\d{3}$/);

    // Make the failed ones succeed, then resume: only those two run again.
    writeFileSync(tasks, 'echo ok-1\necho fixed-2\n\necho ok-2\necho fixed-5\n');
    const resumed = await runTsmpiexec(['-np', '2', '--tasks', tasks, '--joblog', joblog, '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(resumed.stdout.trim().split('\n').sort(), ['fixed-2', 'fixed-5']);
  });

  it('reads the commands from standard input with --tasks -', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['-np', '2', '--tasks', '-'], { input: 'echo from-stdin-1\necho from-stdin-2\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n').sort(), ['from-stdin-1', 'from-stdin-2']);
  });

  const misuse: [string[], RegExp][] = [
    [['--tasks', '/nonexistent/cmds.txt'], /the --tasks file \/nonexistent\/cmds\.txt does not exist/],
    [['--tasks', '-', 'hostname'], /give either a program \(hostname\) or --tasks, not both/],
    [['--tasks', '-', '--resume'], /--resume needs --joblog FILE/],
  ];
  for (const [args, message] of misuse) {
    it(`refuses ${args.join(' ')} with exit 2`, { timeout: 30_000 }, async () => {
      const result = await runTsmpiexec(args);
      assert.equal(result.code, 2);
      assert.match(result.stderr, message);
    });
  }
});
