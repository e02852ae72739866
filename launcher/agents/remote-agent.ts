/**
 * A {@link LaunchAgent} for another host: runs a launch command (ssh, srun, or the user's
 * --launch-agent) that starts the node agent there, and speaks the agent protocol over its
 * stdin/stdout. A host that cannot be reached, or whose agent does not answer in time, or whose
 * link breaks, is reported once as a failed agent naming the host and the underlying error.
 */
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { ControlLineDecoder, encodeControlLine } from '../../src/protocol/control-framing.js';
import type { LauncherToRank } from '../../src/protocol/control-messages.js';
import type { FromAgent, ToAgent } from './agent-messages.js';
import type { AgentEvents, LaunchAgent, RankSpec } from './launch-agent.js';
import type { JobCredentials } from '../../src/transport/job-secret.js';
import { Heartbeat } from './heartbeat.js';

/** Options of a {@link RemoteAgent}. */
export interface RemoteAgentOptions {
  /** The host's name in the job. */
  readonly host: string;
  /** The launch command and its arguments, ending with the command that runs the node agent. */
  readonly command: readonly string[];
  readonly graceSeconds: number;
  /** How the host's ranks choose their tcp address (see AgentStart). */
  readonly iface: string | null;
  /** The job's credentials, handed to the agent over its stdin. */
  readonly credentials: JobCredentials;
  /** How long the agent may take to answer before the host counts as unreachable. */
  readonly startTimeoutMs: number;
  /**
   * Once the agent is up, silence from it for longer than this loses the host (a hung host or a
   * cut link); the agent is told the same bound for its side.
   */
  readonly heartbeatTimeoutMs: number;
  readonly spawn?: typeof nodeSpawn;
}

/** The agent of one remote host. */
export class RemoteAgent implements LaunchAgent {
  readonly host: string;
  readonly #options: RemoteAgentOptions;
  #child: ChildProcess | undefined;
  #events: AgentEvents | undefined;
  #ready = false;
  #failed = false;
  #closed = false;
  readonly #live = new Set<number>();
  #stderr = '';
  #heartbeat: Heartbeat | undefined;

  constructor(options: RemoteAgentOptions) {
    this.host = options.host;
    this.#options = options;
  }

  start(ranks: readonly RankSpec[], events: AgentEvents): void {
    this.#events = events;
    for (const spec of ranks) this.#live.add(spec.rank);
    const [command, ...args] = this.#options.command as [string, ...string[]];
    const child = (this.#options.spawn ?? nodeSpawn)(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child = child;
    const timer = setTimeout(() => {
      if (!this.#ready) this.#fail(`no answer from its launch agent within ${this.#options.startTimeoutMs / 1000} s${this.#stderrNote()}`);
    }, this.#options.startTimeoutMs);
    timer.unref();

    child.on('error', (error) => this.#fail(`the launch command ${command} could not run: ${error.message}`));
    child.stdin?.on('error', () => {});
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      // Kept for the message if the agent fails (ssh's own errors go here).
      this.#stderr = (this.#stderr + text).slice(-2000);
    });
    const decoder = new ControlLineDecoder();
    child.stdout?.on('data', (chunk: Buffer) => {
      let messages;
      try {
        messages = decoder.push(chunk) as FromAgent[];
      } catch (error) {
        this.#fail(`its agent sent something that is not the agent protocol: ${(error as Error).message}${this.#stderrNote()}`);
        return;
      }
      this.#heartbeat?.heard();
      for (const message of messages) this.#receive(message);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      this.#heartbeat?.stop();
      if (this.#live.size > 0) {
        const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
        const when = this.#ready ? `while ${this.#live.size} of its ranks were running` : 'before its ranks could start';
        this.#fail(`its launch agent (${command}) ${how} ${when}${this.#stderrNote()}`);
      }
    });
    this.#send({
      type: 'start',
      host: this.host,
      graceSeconds: this.#options.graceSeconds,
      iface: this.#options.iface,
      credentials: this.#options.credentials,
      ranks,
      heartbeatTimeoutMs: this.#options.heartbeatTimeoutMs,
    });
  }

  sendControl(rank: number, message: LauncherToRank): void {
    this.#send({ type: 'control', rank, message });
  }

  signal(rank: number, signal: NodeJS.Signals): void {
    this.#send({ type: 'signal', rank, signal });
  }

  writeStdin(rank: number, data: Buffer | null): void {
    this.#send({ type: 'stdin', rank, data: data === null ? null : data.toString('base64') });
  }

  setOutputPaused(paused: boolean): void {
    // The agent pauses its ranks' pipes; this channel also carries exits and control messages,
    // so it is never paused itself.
    this.#send({ type: 'pause', paused });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#heartbeat?.stop();
    this.#send({ type: 'close' });
    this.#child?.stdin?.end();
    // A failed host's launch command may hang (an unreachable ssh); it goes with the job.
    if (this.#failed) this.#child?.kill('SIGKILL');
  }

  #receive(message: FromAgent): void {
    const events = this.#events as AgentEvents;
    switch (message.type) {
      case 'ready':
        this.#ready = true;
        // Watched from here on: before it, the start timeout covers a slow ssh login.
        if (!this.#closed && !this.#failed) {
          const timeoutMs = this.#options.heartbeatTimeoutMs;
          this.#heartbeat = new Heartbeat({
            timeoutMs,
            beat: () => this.#send({ type: 'heartbeat' }),
            silent: (silentMs) =>
              this.#fail(`no sign of life from its agent for ${(silentMs / 1000).toFixed(1)} s (heartbeat bound ${timeoutMs / 1000} s): the host or its network link stopped answering`),
          });
        }
        return;
      case 'heartbeat':
        return;
      case 'started':
        events.started(message.rank, message.pid);
        return;
      case 'output':
        events.output(message.rank, message.stream, message.text);
        return;
      case 'output-ended':
        events.outputEnded(message.rank, message.stream);
        return;
      case 'control':
        events.control(message.rank, message.message);
        return;
      case 'control-error':
        events.controlError(message.rank, new Error(message.error));
        return;
      case 'exited':
        this.#live.delete(message.rank);
        events.exited(message.rank, {
          code: message.code,
          signal: message.signal,
          ...(message.spawnError === undefined ? {} : { spawnError: new Error(message.spawnError) }),
        });
        return;
      case 'failed':
        this.#fail(`its agent failed: ${message.error}`);
        return;
    }
  }

  #fail(reason: string): void {
    if (this.#failed || this.#live.size === 0) return;
    this.#failed = true;
    this.#heartbeat?.stop();
    this.#live.clear();
    this.#child?.kill('SIGKILL');
    this.#events?.agentFailed(this.host, reason);
  }

  #send(message: ToAgent): void {
    const stdin = this.#child?.stdin;
    if (stdin !== undefined && stdin !== null && !stdin.destroyed && stdin.writable) stdin.write(encodeControlLine(message));
  }

  #stderrNote(): string {
    const text = this.#stderr.trim();
    return text === '' ? '' : ` (it said: ${text.split('\n').slice(-3).join(' / ')})`;
  }
}
