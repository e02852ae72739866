#!/usr/bin/env node
/**
 * The node agent: started by tsmpiexec on each remote host (through ssh, srun or a custom launch
 * command), it starts that host's ranks and relays their output, control messages and exits over
 * its stdin/stdout. When its stdin closes (tsmpiexec or the link is gone), or nothing comes from
 * tsmpiexec for the heartbeat's silence bound (a cut link closes nothing), it stops its ranks and
 * exits, so nothing of the job survives on the host.
 */
import { hostname } from 'node:os';
import { ControlLineDecoder, encodeControlLine } from '../../src/protocol/control-framing.js';
import type { AgentEvents } from '../agents/launch-agent.js';
import type { FromAgent, ToAgent } from '../agents/agent-messages.js';
import { LocalAgent } from '../agents/local-agent.js';
import { Heartbeat } from '../agents/heartbeat.js';
import { selectAddress } from '../plan/network-address.js';

const send = (message: FromAgent): void => {
  process.stdout.write(encodeControlLine(message));
};

let agent: LocalAgent | undefined;
let ranks: number[] = [];
let graceMs = 3000;
let live = 0;
let closing = false;
let heartbeat: Heartbeat | undefined;
let stopping = false;

const events: AgentEvents = {
  started: (rank, pid) => send({ type: 'started', rank, pid }),
  output: (rank, stream, text) => send({ type: 'output', rank, stream, text }),
  outputEnded: (rank, stream) => send({ type: 'output-ended', rank, stream }),
  control: (rank, message) => send({ type: 'control', rank, message }),
  controlError: (rank, error) => send({ type: 'control-error', rank, error: error.message }),
  exited: (rank, termination) => {
    send({
      type: 'exited',
      rank,
      code: termination.code,
      signal: termination.signal,
      ...(termination.spawnError === undefined ? {} : { spawnError: termination.spawnError.message }),
    });
    if (--live === 0 && closing) finish();
  },
  agentFailed: () => {},
};

function finish(): void {
  heartbeat?.stop();
  agent?.close();
  process.exit(0);
}

/** tsmpiexec is gone: stop the ranks (SIGTERM, then SIGKILL after the grace period) and leave. */
function orphaned(): void {
  heartbeat?.stop();
  if (agent === undefined || live === 0) finish();
  if (stopping) return;
  stopping = true;
  closing = true;
  for (const rank of ranks) agent?.signal(rank, 'SIGTERM');
  setTimeout(() => {
    for (const rank of ranks) agent?.signal(rank, 'SIGKILL');
    setTimeout(finish, 500).unref();
  }, graceMs).unref();
}

function handle(message: ToAgent): void {
  switch (message.type) {
    case 'start': {
      graceMs = message.graceSeconds * 1000;
      heartbeat = new Heartbeat({
        timeoutMs: message.heartbeatTimeoutMs,
        beat: () => send({ type: 'heartbeat' }),
        silent: (silentMs) => {
          // Nobody may read this (the link is down), but a log of the session keeps it.
          process.stderr.write(`tsmpi agent on ${message.host}: no sign of life from tsmpiexec for ${(silentMs / 1000).toFixed(1)} s; stopping ${live} rank${live === 1 ? '' : 's'}\n`);
          orphaned();
        },
      });
      const tcpAddress = message.iface === null ? undefined : selectAddress(message.iface === 'default' ? undefined : message.iface, undefined, message.host);
      agent = new LocalAgent({ graceSeconds: message.graceSeconds, host: message.host, credentials: message.credentials, ...(tcpAddress === undefined ? {} : { tcpAddress }) });
      ranks = message.ranks.map((spec) => spec.rank);
      live = ranks.length;
      send({ type: 'ready', hostname: hostname(), pid: process.pid, tcpAddress: tcpAddress ?? null });
      agent.start(message.ranks, events);
      return;
    }
    case 'control':
      agent?.sendControl(message.rank, message.message);
      return;
    case 'signal':
      agent?.signal(message.rank, message.signal);
      return;
    case 'pause':
      agent?.setOutputPaused(message.paused);
      return;
    case 'stdin':
      agent?.writeStdin(message.rank, message.data === null ? null : Buffer.from(message.data, 'base64'));
      return;
    case 'close':
      closing = true;
      if (live === 0) finish();
      return;
    case 'heartbeat':
      return;
  }
}

const decoder = new ControlLineDecoder();
process.stdin.on('data', (chunk: Buffer) => {
  heartbeat?.heard();
  try {
    for (const message of decoder.push(chunk)) handle(message as ToAgent);
  } catch (error) {
    send({ type: 'failed', error: (error as Error).message });
    orphaned();
  }
});
process.stdin.on('end', orphaned);
process.stdin.on('error', orphaned);
// Output to a vanished tsmpiexec must not kill the agent before it has stopped its ranks.
process.stdout.on('error', () => {});
// Signals to the agent (ssh hang-up, srun cancelling the step) mean the same as losing tsmpiexec.
for (const signal of ['SIGHUP', 'SIGTERM', 'SIGINT'] as const) process.on(signal, orphaned);
