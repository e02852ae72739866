/**
 * The rank program behind `tsmpiexec --tasks FILE`: runs each line of FILE (or of standard input
 * for "-") as a shell command on the next free rank, GNU parallel style. Every rank, rank 0
 * included, runs one command at a time; rank 0 also hands out the lines, prints each command's
 * output as one block, keeps the joblog, and exits with the number of failed commands (at most
 * 101, as GNU parallel does).
 *
 * Arguments: TASKS_FILE [--joblog FILE] [--resume]
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { text } from 'node:stream/consumers';
import { init, finalize, ANY_SOURCE, Status } from '../index.js';

interface Command {
  /** 1-based line number, GNU parallel's Seq. */
  readonly seq: number;
  readonly line: string;
}

interface Outcome {
  readonly seq: number;
  readonly host: string;
  readonly start: number;
  readonly runtime: number;
  readonly exitval: number;
  readonly signal: number;
  readonly stdout: string;
  readonly stderr: string;
}

const TAG = { command: 1, outcome: 2, stop: 3 } as const;
const JOBLOG_HEADER = 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n';
const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };
const host = process.env.TSMPI_HOST ?? hostname();

function run(command: Command): Promise<Outcome> {
  return new Promise((resolve) => {
    const start = Date.now();
    const child = spawn('/bin/sh', ['-c', command.line], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const finish = (exitval: number, signal: number, extra = ''): void =>
      resolve({ seq: command.seq, host, start: start / 1000, runtime: (Date.now() - start) / 1000, exitval, signal, stdout, stderr: stderr + extra });
    child.on('error', (error) => finish(127, 0, `${error.message}\n`));
    child.on('close', (code, signal) => finish(code ?? 128 + (SIGNALS[signal ?? ''] ?? 0), signal === null ? 0 : (SIGNALS[signal] ?? 0)));
  });
}

/** Seqs that succeeded according to an existing joblog. */
function succeededIn(joblog: string): Set<number> {
  const done = new Set<number>();
  if (!existsSync(joblog)) return done;
  for (const row of readFileSync(joblog, 'utf8').split('\n').slice(1)) {
    const fields = row.split('\t');
    if (fields.length >= 9 && fields[6] === '0' && fields[7] === '0') done.add(Number(fields[0]));
  }
  return done;
}

const args = process.argv.slice(2);
const tasksFile = args[0] ?? '-';
const joblogIndex = args.indexOf('--joblog');
const joblog = joblogIndex >= 0 ? args[joblogIndex + 1] : undefined;
const resume = args.includes('--resume');

const comm = await init();
if (comm.rank !== 0) {
  const status = new Status();
  for (;;) {
    const command = await comm.recv<Command | null>(0, undefined, status);
    if (status.tag === TAG.stop) break;
    await comm.send(await run(command as Command), 0, TAG.outcome);
  }
} else {
  const source = tasksFile === '-' ? await text(process.stdin) : readFileSync(tasksFile, 'utf8');
  const skip = joblog !== undefined && resume ? succeededIn(joblog) : new Set<number>();
  const queue: Command[] = source
    .split('\n')
    .map((line, index) => ({ seq: index + 1, line: line.trim() }))
    .filter((command) => command.line !== '' && !skip.has(command.seq));
  const lineOf = new Map(queue.map((command) => [command.seq, command.line]));
  if (joblog !== undefined && !(resume && existsSync(joblog))) writeFileSync(joblog, JOBLOG_HEADER);
  let failed = 0;

  const report = (outcome: Outcome): void => {
    // Each command's output as one block, so commands never mix.
    if (outcome.stdout !== '') process.stdout.write(outcome.stdout.endsWith('\n') ? outcome.stdout : `${outcome.stdout}\n`);
    if (outcome.stderr !== '') process.stderr.write(outcome.stderr.endsWith('\n') ? outcome.stderr : `${outcome.stderr}\n`);
    if (outcome.exitval !== 0 || outcome.signal !== 0) failed++;
    if (joblog !== undefined) {
      // Send is 0: tsmpi transfers no files (GNU parallel's --transfer); Receive is the output's bytes.
      const row = [outcome.seq, outcome.host, outcome.start.toFixed(3), outcome.runtime.toFixed(3), 0, Buffer.byteLength(outcome.stdout), outcome.exitval, outcome.signal, lineOf.get(outcome.seq)];
      appendFileSync(joblog, `${row.join('\t')}\n`);
    }
  };

  const runHere = async (): Promise<void> => {
    for (let command = queue.shift(); command !== undefined; command = queue.shift()) report(await run(command));
  };
  const runElsewhere = async (): Promise<void> => {
    let busy = 0;
    for (let worker = 1; worker < comm.size; worker++) {
      const command = queue.shift();
      if (command === undefined) break;
      busy++;
      await comm.send(command, worker, TAG.command);
    }
    const status = new Status();
    while (busy > 0) {
      report(await comm.recv<Outcome>(ANY_SOURCE, TAG.outcome, status));
      const next = queue.shift();
      if (next === undefined) busy--;
      else await comm.send(next, status.source, TAG.command);
    }
  };
  await Promise.all([runHere(), runElsewhere()]);
  await Promise.all(Array.from({ length: comm.size - 1 }, (_, i) => comm.send(null, i + 1, TAG.stop)));
  if (failed > 0) process.stderr.write(`tsmpiexec --tasks: ${failed} of ${lineOf.size} commands failed\n`);
  // Every other rank leaves first (they stop after our message), so this code is the job's.
  await comm.barrier();
  process.exitCode = Math.min(failed, 101);
}
if (comm.rank !== 0) await comm.barrier();
await finalize();
