/**
 * The tsmpiexec command line, parsed with yargs the way mpirun users type it: `-np 4` is one
 * option (not -n -p), and parsing stops at the program so that its own options reach it untouched.
 */
import { createRequire } from 'node:module';
import type yargsFactory from 'yargs/yargs';
import { TsmpiError } from '../../src/errors.js';
import type { LaunchOptions } from '../launch.js';

/** What the command line asks for. */
export type CliRequest =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly options: LaunchOptions };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// yargs's CommonJS build loads in half the time of its ES module build (about 25 against 50 ms,
// one file instead of dozens), and tsmpiexec's start-up is part of every job's.
const yargs = createRequire(import.meta.url)('yargs/yargs') as typeof yargsFactory;

function parser(argv: readonly string[]) {
  return yargs([...argv])
    .scriptName('tsmpiexec')
    .usage('Usage: tsmpiexec [options] program [args...]\n\nRuns program as N cooperating ranks. program is a .ts/.mts/.cts file (run directly), a .js/.mjs/.cjs file, or any executable.')
    .parserConfiguration({
      'halt-at-non-option': true,
      'short-option-groups': false,
      'parse-positional-numbers': false,
      'boolean-negation': false,
    })
    .help(false)
    .version(false)
    .option('np', { alias: ['n', 'c'], type: 'number', requiresArg: true, describe: 'Number of ranks, also -np N (default: the hosts\' slots; on this machine alone, one per usable core)' })
    .option('oversubscribe', { type: 'boolean', describe: 'Allow more ranks than slots (on this machine alone: than usable cores)' })
    .option('x', { type: 'string', requiresArg: true, describe: 'Export VAR (from this environment) or set VAR=value for every rank; repeatable' })
    .option('wdir', { alias: ['wd'], type: 'string', requiresArg: true, describe: 'Working directory of the ranks (default: the current directory)' })
    .option('tag-output', { type: 'boolean', describe: 'Prefix every output line with [rank] ([rank@host] when the job spans hosts)' })
    .option('hostfile', { alias: ['machinefile'], type: 'string', requiresArg: true, describe: 'Hosts to run on: Open MPI ("node1 slots=4") or MPICH ("node1:4") format' })
    .option('host', { alias: ['H'], type: 'string', requiresArg: true, describe: 'Hosts to run on, as a:2,b:2 (or a,a,b)' })
    .option('map-by', { type: 'string', choices: ['slot', 'node'], requiresArg: true, describe: 'Fill each host\'s slots in order (slot, the default) or deal ranks round-robin over hosts (node)' })
    .option('npernode', { alias: ['ppn', 'N'], type: 'number', requiresArg: true, describe: 'Exactly N ranks on each host' })
    .option('launcher', { type: 'string', choices: ['ssh', 'srun', 'local'], requiresArg: true, describe: 'How to start ranks on other hosts (default: srun inside a Slurm allocation, else ssh)' })
    .option('launch-agent', { type: 'string', requiresArg: true, describe: 'Command used instead of ssh to reach a host, called as CMD HOST COMMAND (also TSMPI_LAUNCH_AGENT)' })
    .option('iface', { type: 'string', requiresArg: true, describe: 'Network for traffic between hosts: an interface name (eth0) or an IPv4 CIDR (10.1.0.0/16)' })
    .option('tasks', { type: 'string', requiresArg: true, describe: 'Run each line of FILE (- for standard input) as a shell command on the next free rank, GNU parallel style; exit status = failed commands (at most 101)' })
    .option('joblog', { type: 'string', requiresArg: true, describe: 'With --tasks: record each command\'s host, start, runtime and exit code (GNU parallel format)' })
    .option('encrypt', { type: 'boolean', describe: 'Encrypt the traffic between hosts (ZeroMQ CURVE); every connection is authenticated either way' })
    .option('resume', { type: 'boolean', describe: 'With --tasks and --joblog: skip the commands the joblog records as succeeded' })
    .option('verbose', { alias: ['v'], type: 'boolean', describe: 'Print where the hosts came from, the placement and the launcher' })
    .option('trace', { type: 'string', requiresArg: true, describe: 'Record every rank\'s communication calls and write them to FILE as a Chrome trace (open it in Perfetto)' })
    .option('profile', { type: 'boolean', describe: 'Print a profile at the end: time in communication per rank, calls and bytes per operation, slowest calls' })
    .option('profile-json', { type: 'string', requiresArg: true, describe: 'Write the profile as JSON to FILE' })
    .option('output-filename', { type: 'string', requiresArg: true, describe: 'Also write each rank\'s stdout/stderr to DIR/1/rank.N/ (DIR:nocopy: only there)' })
    .option('timestamp-output', { type: 'boolean', describe: 'Prefix every output line with the time it arrived (ISO 8601, UTC)' })
    .option('timeout', { type: 'number', requiresArg: true, describe: 'Abort the job after SECONDS (exit code 124); also MPIEXEC_TIMEOUT' })
    .option('help', { alias: 'h', type: 'boolean', describe: 'Show this help and exit' })
    .option('version', { alias: 'V', type: 'boolean', describe: 'Show the tsmpi version and exit' })
    .epilog(
      'Exit status: 0 when every rank exits 0; otherwise the failing rank\'s code (the lowest rank\'s when several fail, ' +
        '128+N for a rank killed by signal N, 127 for a rank that could not start), 124 on --timeout, 130/143/129 when ' +
        'interrupted by SIGINT/SIGTERM/SIGHUP, 2 for a bad command line, 1 when a host is lost or a rank never calls init() ' +
        'while others wait for it. SIGUSR1 prints what every rank is waiting in; so does --timeout before aborting. See docs/cli.md.',
    )
    .strictOptions()
    .exitProcess(false)
    // A terminal's width, or none: fixed-width wrapping of piped help would split words.
    .wrap(process.stdout.isTTY ? Math.min(100, process.stdout.columns) : null)
    .fail((message: string | undefined, error: Error | undefined) => {
      throw new TsmpiError('ERR_USAGE', message ?? error?.message ?? 'invalid command line');
    });
}

/** The help text. */
export function usage(): Promise<string> {
  return parser([]).getHelp();
}

/**
 * Parses tsmpiexec's arguments (without the node and script paths).
 * @throws TsmpiError ERR_USAGE naming what is wrong
 */
export async function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliRequest> {
  const parsed = await parser(argv).parseAsync();
  if (parsed.help === true) return { kind: 'help', text: await usage() };
  if (parsed.version === true) return { kind: 'version' };

  const [program, ...args] = parsed._.map(String);
  const tasks = parsed.tasks;
  if (tasks === undefined && (program === undefined || program === '')) throw new TsmpiError('ERR_USAGE', 'no program was given');
  if (tasks !== undefined && program !== undefined) throw new TsmpiError('ERR_USAGE', `give either a program (${program}) or --tasks, not both`);

  const np = parsed.np;
  if (np !== undefined && (!Number.isInteger(np) || np < 1)) {
    throw new TsmpiError('ERR_USAGE', `-np must be a whole number of at least 1 (got ${describeArg(argv, ['-np', '--np', '-n', '-c'], np)})`);
  }
  const timeoutSeconds = parsed.timeout ?? timeoutFromEnvironment(env);
  if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) {
    throw new TsmpiError('ERR_USAGE', `--timeout must be a positive number of seconds (got ${describeArg(argv, ['--timeout'], timeoutSeconds)})`);
  }
  const wdir = parsed.wdir;
  const perNode = parsed.npernode;
  if (perNode !== undefined && (!Number.isInteger(perNode) || perNode < 1)) {
    throw new TsmpiError('ERR_USAGE', `--npernode must be a whole number of at least 1 (got ${describeArg(argv, ['-npernode', '--npernode', '-ppn', '--ppn', '-N'], perNode)})`);
  }
  if (parsed.hostfile !== undefined && parsed.host !== undefined) {
    throw new TsmpiError('ERR_USAGE', '--hostfile and --host cannot be used together');
  }
  const strings = { hostfile: parsed.hostfile, host: parsed.host, launchAgent: parsed['launch-agent'], iface: parsed.iface };
  if (parsed.resume === true && parsed.joblog === undefined) throw new TsmpiError('ERR_USAGE', '--resume needs --joblog FILE');
  return {
    kind: 'run',
    options: {
      ...(program === undefined ? {} : { program }),
      args,
      ...(tasks === undefined ? {} : { tasks }),
      ...(parsed.joblog === undefined ? {} : { joblog: parsed.joblog }),
      resume: parsed.resume === true,
      ...(np === undefined ? {} : { np }),
      oversubscribe: parsed.oversubscribe === true,
      env: exportedVariables(parsed.x, env),
      ...(wdir === undefined ? {} : { wdir }),
      tagOutput: parsed['tag-output'] === true,
      ...(parsed.trace === undefined ? {} : { trace: parsed.trace }),
      ...(parsed.profile === true ? { profile: true } : {}),
      ...(parsed['profile-json'] === undefined ? {} : { profileJson: parsed['profile-json'] }),
      ...outputFilename(parsed['output-filename']),
      ...(parsed['timestamp-output'] === true ? { timestampOutput: true } : {}),
      ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
      ...Object.fromEntries(Object.entries(strings).filter(([, value]) => value !== undefined)),
      ...(perNode === undefined ? {} : { perNode }),
      ...(parsed['map-by'] === undefined ? {} : { mapBy: parsed['map-by'] as 'slot' | 'node' }),
      ...(parsed.launcher === undefined ? {} : { launcher: parsed.launcher as 'ssh' | 'srun' | 'local' }),
      verbose: parsed.verbose === true,
      encrypt: parsed.encrypt === true,
    },
  };
}

function exportedVariables(x: string | string[] | undefined, env: NodeJS.ProcessEnv): Record<string, string> {
  const exported: Record<string, string> = {};
  for (const item of x === undefined ? [] : Array.isArray(x) ? x : [x]) {
    const equals = item.indexOf('=');
    const name = equals < 0 ? item : item.slice(0, equals);
    if (!ENV_NAME.test(name)) throw new TsmpiError('ERR_USAGE', `-x ${item}: ${JSON.stringify(name)} is not a valid variable name`);
    if (equals >= 0) {
      exported[name] = item.slice(equals + 1);
      continue;
    }
    const value = env[name];
    if (value === undefined) throw new TsmpiError('ERR_USAGE', `-x ${name}: ${name} is not set in this environment (use -x ${name}=value)`);
    exported[name] = value;
  }
  return exported;
}

/** --output-filename DIR, or DIR:nocopy as Open MPI spells "only to the files". */
function outputFilename(value: string | undefined): { outputFilename?: string; outputCopy?: boolean } {
  if (value === undefined) return {};
  const nocopy = value.endsWith(':nocopy');
  const directory = nocopy ? value.slice(0, -':nocopy'.length) : value;
  // Checked once ':nocopy' is off: an empty name would otherwise become the current directory.
  if (directory === '') throw new TsmpiError('ERR_USAGE', nocopy ? `--output-filename ${value} names no directory before :nocopy` : '--output-filename needs a directory');
  return { outputFilename: directory, ...(nocopy ? { outputCopy: false } : {}) };
}

function timeoutFromEnvironment(env: NodeJS.ProcessEnv): number | undefined {
  const text = env.MPIEXEC_TIMEOUT;
  if (text === undefined || text.trim() === '') return undefined;
  const seconds = Number(text);
  if (!(seconds > 0)) throw new TsmpiError('ERR_USAGE', `MPIEXEC_TIMEOUT=${text} is not a positive number of seconds`);
  return seconds;
}

/** The text the user typed after one of `flags`, for messages (yargs turns "abc" into NaN). */
function describeArg(argv: readonly string[], flags: readonly string[], parsed: number): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const flag = flags.find((f) => arg === f || arg.startsWith(`${f}=`));
    if (flag !== undefined) return JSON.stringify(arg === flag ? (argv[i + 1] ?? '') : arg.slice(flag.length + 1));
  }
  return String(parsed);
}
