/**
 * The launcher as a library: `launch({ np, program, args })` runs a job and resolves with every
 * rank's exit status. It finds the hosts (hostfile, --host, Slurm, PBS, or this machine), places
 * the ranks, starts one agent per host, and hands the job to the supervisor. tsmpiexec is a thin
 * command line over this.
 */
import { spawnSync, type spawn as nodeSpawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TsmpiError } from '../src/errors.js';
import { JOB_ENV } from '../src/runtime/job-environment.js';
import { wallClockNow } from '../src/protocol/wall-clock.js';
import { createJobCredentials, type JobCredentials } from '../src/transport/job-secret.js';
import type { LaunchAgent, RankSpec } from './agents/launch-agent.js';
import { launchCommand, type LauncherKind } from './agents/launch-command.js';
import { LocalAgent } from './agents/local-agent.js';
import { RemoteAgent } from './agents/remote-agent.js';
import { DEFAULT_HEARTBEAT_TIMEOUT_SECONDS } from './agents/heartbeat.js';
import { discoverHosts, LOCAL_HOST } from './hosts/discover-hosts.js';
import type { HostSlots, HostSource } from './hosts/host-slots.js';
import { Job, type JobResult, type OutputSink, type Timers } from './job/job-supervisor.js';
import { JobRecording } from './observe/job-recording.js';
import { colourWanted, rankOutputFactory } from './output/rank-output.js';
import { rankCommand } from './job/rank-command.js';
import { mallocTuningEnvironment } from './job/malloc-tuning.js';
import { ownModulePath } from './job/own-module.js';
import { ProgressBar } from './output/progress-bar.js';
import { selectAddress } from './plan/network-address.js';
import { placeRanks, type MapBy } from './plan/placement.js';

/** Options of {@link launch} and {@link startJob}. */
export interface LaunchOptions {
  /**
   * A .ts/.mts/.cts or .js/.mjs/.cjs file, or any executable (looked up in PATH without a slash).
   * Not given with `tasks`.
   */
  readonly program?: string;
  /**
   * Run each line of this file ("-" for standard input) as a shell command on the next free
   * rank, GNU parallel style; the job's exit code is the number of failed commands (at most 101).
   */
  readonly tasks?: string;
  /** With `tasks`: record each command's host, start, runtime and exit code (GNU parallel's format). */
  readonly joblog?: string;
  /** With `tasks` and `joblog`: skip the commands the joblog records as succeeded. */
  readonly resume?: boolean;
  /** Arguments passed to every rank's program. */
  readonly args?: readonly string[];
  /** Number of ranks; defaults to the slots of the hosts (on this machine alone: its usable cores). */
  readonly np?: number;
  /** Allow more ranks than slots. */
  readonly oversubscribe?: boolean;
  /** Extra environment variables for every rank (what `-x` sets); they reach remote ranks too. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory of the ranks; defaults to the current directory (the same on every host). */
  readonly wdir?: string;
  /** Prefix every output line with `[rank] ` (`[rank@host] ` when the job spans hosts). */
  readonly tagOutput?: boolean;
  /** Write a Chrome Trace Event file of every rank's calls here (`tsmpiexec --trace`). */
  readonly trace?: string;
  /** Print a profile table of every rank's calls at the end (`--profile`), to stderr. */
  readonly profile?: boolean;
  /** Write the profile as JSON here (`--profile-json`). */
  readonly profileJson?: string;
  /**
   * Also write each rank's stdout and stderr to DIR/1/rank.N/stdout and stderr (Open MPI's
   * layout); with `outputCopy: false`, only there.
   */
  readonly outputFilename?: string;
  /** With `outputFilename`: also forward the output as usual (default true). */
  readonly outputCopy?: boolean;
  /** Prefix every output line with the time it reached tsmpiexec. */
  readonly timestampOutput?: boolean;
  /** Colour the --tag-output tags; default: when stdout is a terminal and NO_COLOR is not set. */
  readonly colour?: boolean;
  /** Abort the job after this many seconds. */
  readonly timeoutSeconds?: number;
  /** Seconds between SIGTERM and SIGKILL when stopping ranks (default 3). */
  readonly killGraceSeconds?: number;
  /** A hostfile in Open MPI or MPICH format. */
  readonly hostfile?: string;
  /** Hosts as `a:2,b:2` (or `a,a,b`). */
  readonly host?: string;
  /** Fill each host's slots in order ('slot', the default) or deal ranks round-robin ('node'). */
  readonly mapBy?: MapBy;
  /** Exactly this many ranks per host. */
  readonly perNode?: number;
  /** How agents start on other hosts; default srun inside Slurm, else ssh. */
  readonly launcher?: LauncherKind;
  /** The command used instead of ssh to reach a host (`CMD HOST COMMAND`), e.g. "ssh -F cfg". */
  readonly launchAgent?: string;
  /** The network for traffic between hosts: an interface name or an IPv4 CIDR block. */
  readonly iface?: string;
  /**
   * Encrypt the traffic between hosts (ZeroMQ CURVE with keys derived from the job's secret);
   * ranks on one host still talk over unencrypted, authenticated ipc.
   */
  readonly encrypt?: boolean;
  /** Seconds a host's agent may take to answer before the host counts as unreachable (default 30). */
  readonly agentTimeoutSeconds?: number;
  /**
   * Seconds of silence after which a running host's agent counts as lost, and after which an
   * agent that hears nothing from tsmpiexec stops its ranks (default 10, or the environment's
   * TSMPI_HEARTBEAT_TIMEOUT).
   */
  readonly heartbeatTimeoutSeconds?: number;
  /** Print the hosts, placement and launcher on stderr. */
  readonly verbose?: boolean;
  /** The environment that hosts are discovered from (default process.env). */
  readonly environment?: NodeJS.ProcessEnv;
  /** Whether rank 0 reads this process's standard input (default 'ignore'). */
  readonly stdin?: 'inherit' | 'ignore';
  /** Where the ranks' standard output goes (default process.stdout). */
  readonly stdout?: OutputSink;
  /** Where the ranks' standard error and tsmpiexec's messages go (default process.stderr). */
  readonly stderr?: OutputSink;
  /** Aborting it stops the job as SIGTERM to tsmpiexec would. */
  readonly signal?: AbortSignal;
  /** Injected for tests. */
  readonly spawn?: typeof nodeSpawn;
  /** Injected for tests. */
  readonly timers?: Timers;
  /**
   * @internal A rank 0 living in the calling process (createPool): the job's other ranks are
   * placed on the hosts as ranks 1 to np.
   */
  readonly rankZero?: EmbeddedRankAgent;
}

/** @internal The agent of a rank 0 that lives in the calling process. */
export interface EmbeddedRankAgent extends LaunchAgent {
  /** Told the job's size and the tcp address its rank must bind. */
  assign(place: { readonly size: number; readonly tcpAddress: string | undefined; readonly credentials: JobCredentials }): void;
}

const DEFAULT_KILL_GRACE_SECONDS = 3;
const DEFAULT_AGENT_TIMEOUT_SECONDS = 30;

/**
 * Starts a job and returns it at once; `job.result` resolves when every rank has ended.
 * @throws TsmpiError ERR_USAGE for invalid options or a missing program; ERR_HOSTFILE for a
 *   malformed host list; ERR_OVERSUBSCRIBE when the ranks do not fit the slots
 */
export function startJob(options: LaunchOptions): Job {
  const cwd = resolve(options.wdir ?? process.cwd());
  checkDirectory(cwd);
  const command = rankCommand(...programAndArgs(options), process.cwd());
  checkPositive('the timeout', options.timeoutSeconds);
  // Files the job's end will write are checked now: a long job must not lose its trace at the end.
  if (options.trace !== undefined) checkWritableFile('--trace', options.trace);
  if (options.profileJson !== undefined) checkWritableFile('--profile-json', options.profileJson);
  if (options.outputFilename !== undefined) makeOutputDirectory(options.outputFilename);
  checkPositive('the heartbeat timeout', options.heartbeatTimeoutSeconds);
  const heartbeatTimeoutMs = heartbeatTimeoutSeconds(options) * 1000;
  checkChoice('mapBy', options.mapBy, ['slot', 'node']);
  checkChoice('launcher', options.launcher, ['ssh', 'srun', 'local']);
  checkPositive('the number of ranks per node', options.perNode, true);
  if (options.np !== undefined && (!Number.isInteger(options.np) || options.np < 1)) {
    throw new TsmpiError('ERR_USAGE', `the number of ranks must be a whole number of at least 1 (got ${String(options.np)})`);
  }
  const environment = options.environment ?? process.env;
  const { hosts, source } = discoverHosts({
    ...(options.hostfile === undefined ? {} : { hostfile: options.hostfile }),
    ...(options.host === undefined ? {} : { host: options.host }),
    env: environment,
  });
  const placement = placeRanks({
    hosts,
    ...(options.np === undefined ? {} : { np: options.np }),
    ...(options.mapBy === undefined ? {} : { mapBy: options.mapBy }),
    ...(options.perNode === undefined ? {} : { perNode: options.perNode }),
    ...(options.oversubscribe === undefined ? {} : { oversubscribe: options.oversubscribe }),
    ...(source === 'local' ? { capacity: (cores: number) => `this machine has ${cores} usable core${cores === 1 ? '' : 's'}` } : {}),
  });
  const killGraceSeconds = options.killGraceSeconds ?? DEFAULT_KILL_GRACE_SECONDS;
  const usedHosts = [...new Set(placement.map((p) => p.host))].sort((a, b) => a - b).map((index) => hosts[index] as HostSlots);
  const launcher = options.launcher ?? defaultLauncher(source, environment);
  // Starts with tsmpiexec's pid, so a job's processes can be told apart on every node.
  const jobId = `${process.pid.toString(36)}-${randomBytes(4).toString('hex')}`;
  // Handed to ranks over their control channels only: never argv or environment (see job-secret.ts).
  const credentials = createJobCredentials(options.encrypt === true);
  const { agents, localAddress } = makeAgents(usedHosts, launcher, options, killGraceSeconds, heartbeatTimeoutMs, jobId, credentials);
  const agentOfHost = new Map(usedHosts.map((host, i) => [host.name, agents[i] as LaunchAgent]));

  const recording = options.trace !== undefined || options.profile === true || options.profileJson !== undefined;
  // With an embedded rank 0, the placed ranks are 1 to np.
  const first = options.rankZero === undefined ? 0 : 1;
  const np = placement.length + first;
  // Only Node ranks (createPool's workers among them, which run this Node binary as their
  // program): an executable (a Python program, a shell script) is run with its environment as given.
  const tuning = command.command === process.execPath ? mallocTuningEnvironment(environment, options.env) : {};
  const ranks = placement.map((place, index) => {
    const rank = index + first;
    const host = hosts[place.host] as HostSlots;
    const spec: RankSpec = {
      rank,
      command: command.command,
      args: command.args,
      cwd,
      env: { ...rankEnvironment(rank, np, place.localRank, place.localSize, jobId, options.env), ...tuning, ...(recording ? { [JOB_ENV.record]: '1' } : {}) },
      stdin: rank !== 0 || options.stdin !== 'inherit' ? 'ignore' : agentOfHost.get(host.name) instanceof LocalAgent ? 'inherit' : 'pipe',
    };
    return { spec, agent: agentOfHost.get(host.name) as LaunchAgent };
  });
  if (options.rankZero !== undefined) {
    options.rankZero.assign({ size: np, tcpAddress: localAddress, credentials });
    ranks.unshift({ spec: { rank: 0, command: '', args: [], cwd, env: {}, stdin: 'ignore' }, agent: options.rankZero });
  }

  const stderr = options.stderr ?? process.stderr;
  if (options.verbose === true) {
    stderr.write(`tsmpiexec: hosts from ${source}: ${hosts.map((h) => `${h.name}:${h.slots}`).join(', ')}\n`);
    stderr.write(`tsmpiexec: launcher ${launcher}; ${np} rank${np === 1 ? '' : 's'}: ${usedHosts.map((h) => `${h.name} ranks ${ranks.filter((r) => r.agent === agentOfHost.get(h.name)).map((r) => r.spec.rank).join(',')}`).join('; ')}\n`);
  }

  const stdout = options.stdout ?? process.stdout;
  const hostCount = new Set(ranks.map((r) => r.agent)).size;
  const customOutput = options.outputFilename !== undefined || options.timestampOutput === true || options.tagOutput === true;
  const output = customOutput
    ? rankOutputFactory({
        tagOutput: options.tagOutput ?? false,
        hostCount,
        rankCount: np,
        timestamps: options.timestampOutput ?? false,
        colour: options.colour ?? (stdout === process.stdout && colourWanted(process.stdout, process.env)),
        ...(options.outputFilename === undefined ? {} : { directory: { path: resolve(options.outputFilename), copy: options.outputCopy ?? true } }),
      })
    : undefined;
  const job = new Job({
    ranks,
    oversubscribed: placement.some((place) => place.localSize > (hosts[place.host] as HostSlots).slots),
    stdout,
    stderr,
    ...(output === undefined ? {} : { output }),
    ...(recording
      ? {
          recording: new JobRecording({
            hosts: ranks.map((r) => r.agent.host),
            startTime: wallClockNow(),
            ...(options.trace === undefined ? {} : { traceFile: resolve(options.trace) }),
            ...(options.profileJson === undefined ? {} : { profileJsonFile: resolve(options.profileJson) }),
            ...(options.profile === true ? { profileTo: stderr } : {}),
          }),
        }
      : {}),
    timeoutMs: options.timeoutSeconds === undefined ? undefined : options.timeoutSeconds * 1000,
    killGraceMs: killGraceSeconds * 1000,
    exitCodeFromRank0: options.tasks !== undefined,
    // A bar only makes sense on a terminal; anywhere else progress is left out.
    ...(stderr === process.stderr && process.stderr.isTTY ? { progress: new ProgressBar(process.stderr) } : {}),
    ...(options.timers === undefined ? {} : { timers: options.timers }),
  });
  options.signal?.addEventListener('abort', () => job.interrupt('SIGTERM'), { once: true });
  const rank0 = ranks[0];
  if (rank0?.spec.stdin === 'pipe') forwardStdin(rank0.agent, job);
  return job;
}

/** Feeds this process's standard input to rank 0 on another host, until the job ends. */
function forwardStdin(agent: LaunchAgent, job: Job): void {
  const input = process.stdin;
  const onData = (chunk: Buffer): void => agent.writeStdin(0, chunk);
  const onEnd = (): void => agent.writeStdin(0, null);
  input.on('data', onData);
  input.once('end', onEnd);
  input.once('error', onEnd);
  void job.result.finally(() => {
    input.off('data', onData);
    input.off('end', onEnd);
    // Reading must not keep tsmpiexec alive once the job is over.
    input.pause();
    input.unref?.();
  });
}

/**
 * Runs a job to its end and resolves with its exit code and every rank's exit status.
 * Rejects (before starting anything) when the options cannot be run; see {@link startJob}.
 */
export async function launch(options: LaunchOptions): Promise<JobResult> {
  return startJob(options).result;
}

/** The rank program and its arguments: the user's, or the task farm for `tasks`. */
function programAndArgs(options: LaunchOptions): [string, readonly string[]] {
  if (options.tasks === undefined) {
    if (options.program === undefined || options.program === '') throw new TsmpiError('ERR_USAGE', 'no program was given');
    if (options.joblog !== undefined || options.resume === true) throw new TsmpiError('ERR_USAGE', '--joblog and --resume go with --tasks');
    return [options.program, options.args ?? []];
  }
  if (options.program !== undefined) throw new TsmpiError('ERR_USAGE', `give either a program (${options.program}) or --tasks, not both`);
  if (options.resume === true && options.joblog === undefined) throw new TsmpiError('ERR_USAGE', '--resume needs --joblog FILE');
  const tasks = options.tasks === '-' ? '-' : resolve(options.tasks);
  if (tasks !== '-') checkReadable(tasks);
  const farm = ownModulePath(new URL('../src/programs/task-farm.js', import.meta.url));
  const extra = [...(options.joblog === undefined ? [] : ['--joblog', resolve(options.joblog)]), ...(options.resume === true ? ['--resume'] : [])];
  return [farm, [tasks, ...extra]];
}

function checkReadable(file: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw new TsmpiError('ERR_USAGE', `the --tasks file ${file} does not exist or cannot be read`);
  }
}

function defaultLauncher(source: HostSource, env: NodeJS.ProcessEnv): LauncherKind {
  if (source === 'local') return 'local';
  if (source === 'slurm' && env.SLURM_JOB_ID !== undefined && commandExists('srun')) return 'srun';
  return 'ssh';
}

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/**
 * One agent per host: in-process for this machine, through ssh/srun for the others; and the tcp
 * address of this machine's ranks, when the job spans hosts.
 */
function makeAgents(
  hosts: readonly HostSlots[],
  launcher: LauncherKind,
  options: LaunchOptions,
  graceSeconds: number,
  heartbeatTimeoutMs: number,
  jobId: string,
  credentials: JobCredentials,
): { agents: LaunchAgent[]; localAddress: string | undefined } {
  const isLocal = (host: HostSlots): boolean => launcher === 'local' || host.name === LOCAL_HOST;
  // An embedded rank 0 is a node of its own: it reaches every other rank over tcp.
  const spansHosts = hosts.length + (options.rankZero === undefined ? 0 : 1) > 1;
  // Ranks of one host talk over ipc; across hosts over tcp, on an address chosen per host. Hosts
  // that are all this machine (--launcher local) can use loopback.
  const allLocal = hosts.every(isLocal);
  // Only needed when ranks run here (a login node may lack the --iface network its nodes have).
  const ranksHere = hosts.some(isLocal) || options.rankZero !== undefined;
  const localAddress = spansHosts && ranksHere ? selectAddress(options.iface ?? (allLocal ? 'lo' : undefined)) : undefined;
  const agents = hosts.map((host): LaunchAgent => {
    if (isLocal(host)) {
      return new LocalAgent({
        graceSeconds,
        credentials,
        ...(launcher === 'local' && host.name !== LOCAL_HOST ? { host: host.name } : {}),
        ...(localAddress === undefined ? {} : { tcpAddress: localAddress }),
        ...(options.spawn === undefined ? {} : { spawn: options.spawn }),
      });
    }
    return new RemoteAgent({
      host: host.name,
      command: launchCommand(launcher === 'srun' ? 'srun' : 'ssh', host.name, jobId, options.launchAgent ?? (options.environment ?? process.env).TSMPI_LAUNCH_AGENT),
      graceSeconds,
      credentials,
      iface: spansHosts ? (options.iface ?? 'default') : null,
      startTimeoutMs: (options.agentTimeoutSeconds ?? DEFAULT_AGENT_TIMEOUT_SECONDS) * 1000,
      heartbeatTimeoutMs,
      ...(options.spawn === undefined ? {} : { spawn: options.spawn }),
    });
  });
  return { agents, localAddress };
}

/** A rank's own variables: who it is, in the names tsmpi and Open MPI/MPICH scripts read, and -x. */
function rankEnvironment(
  rank: number,
  size: number,
  localRank: number,
  localSize: number,
  jobId: string,
  extra: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  return {
    ...extra,
    [JOB_ENV.rank]: String(rank),
    [JOB_ENV.size]: String(size),
    [JOB_ENV.localRank]: String(localRank),
    [JOB_ENV.localSize]: String(localSize),
    [JOB_ENV.jobId]: jobId,
    OMPI_COMM_WORLD_RANK: String(rank),
    OMPI_COMM_WORLD_SIZE: String(size),
    OMPI_COMM_WORLD_LOCAL_RANK: String(localRank),
    OMPI_COMM_WORLD_LOCAL_SIZE: String(localSize),
    PMI_RANK: String(rank),
    PMI_SIZE: String(size),
  };
}

/**
 * The heartbeat's silence bound: the option, else TSMPI_HEARTBEAT_TIMEOUT, else the default.
 * @throws TsmpiError ERR_USAGE when it is not a positive number of seconds
 */
function heartbeatTimeoutSeconds(options: LaunchOptions): number {
  if (options.heartbeatTimeoutSeconds !== undefined) return options.heartbeatTimeoutSeconds;
  const text = (options.environment ?? process.env).TSMPI_HEARTBEAT_TIMEOUT;
  if (text === undefined || text === '') return DEFAULT_HEARTBEAT_TIMEOUT_SECONDS;
  const seconds = Number(text);
  if (!(seconds > 0) || !Number.isFinite(seconds)) {
    throw new TsmpiError('ERR_USAGE', `TSMPI_HEARTBEAT_TIMEOUT=${text} is not a positive number of seconds`);
  }
  return seconds;
}

function checkChoice(name: string, value: string | undefined, choices: readonly string[]): void {
  if (value !== undefined && !choices.includes(value)) {
    throw new TsmpiError('ERR_USAGE', `${name} must be one of ${choices.join(', ')} (got ${JSON.stringify(value)})`);
  }
}

function checkPositive(what: string, value: number | undefined, integer = false): void {
  if (value === undefined) return;
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    throw new TsmpiError('ERR_USAGE', `${what} must be a positive ${integer ? 'whole number' : 'number'} (got ${String(value)})`);
  }
}

function checkWritableFile(option: string, file: string): void {
  const path = resolve(file);
  let problem: string | undefined;
  try {
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory() === true) problem = 'it is a directory';
    else accessSync(dirname(path), constants.W_OK);
  } catch {
    problem = `its directory ${dirname(path)} does not exist or is not writable`;
  }
  if (problem !== undefined) throw new TsmpiError('ERR_USAGE', `cannot write the ${option} file ${path}: ${problem}`);
}

function makeOutputDirectory(dir: string): void {
  try {
    mkdirSync(resolve(dir), { recursive: true });
  } catch (error) {
    throw new TsmpiError('ERR_USAGE', `cannot create the --output-filename directory ${resolve(dir)}: ${(error as Error).message}`);
  }
}

function checkDirectory(dir: string): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDirectory) throw new TsmpiError('ERR_USAGE', `working directory ${dir} does not exist or is not a directory`);
}
