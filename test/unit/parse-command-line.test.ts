import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine } from '../../launcher/cli/parse-command-line.js';
import { isTsmpiError } from '../../src/errors.js';

const run = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const request = await parseCommandLine(argv, env);
  assert.equal(request.kind, 'run');
  return (request as Extract<typeof request, { kind: 'run' }>).options;
};

describe('tsmpiexec command line', { timeout: 10_000 }, () => {
  it('reads -np as one option and stops at the program', async () => {
    const options = await run(['-np', '4', 'prog.ts', '-np', '9', '--x', 'y']);
    assert.equal(options.np, 4);
    assert.equal(options.program, 'prog.ts');
    assert.deepEqual(options.args, ['-np', '9', '--x', 'y']);
  });

  it('accepts -n, --np=N and -c', async () => {
    assert.equal((await run(['-n', '3', 'p'])).np, 3);
    assert.equal((await run(['--np=5', 'p'])).np, 5);
    assert.equal((await run(['-c', '2', 'p'])).np, 2);
  });

  it('collects repeated -x, with and without values', async () => {
    const options = await run(['-x', 'A=1', '-x', 'B', '-x', 'C=x=y', 'p'], { B: 'from-env' });
    assert.deepEqual(options.env, { A: '1', B: 'from-env', C: 'x=y' });
  });

  it('takes the timeout from MPIEXEC_TIMEOUT unless --timeout is given', async () => {
    assert.equal((await run(['p'], { MPIEXEC_TIMEOUT: '30' })).timeoutSeconds, 30);
    assert.equal((await run(['--timeout', '5', 'p'], { MPIEXEC_TIMEOUT: '30' })).timeoutSeconds, 5);
  });

  it('reads the observability options, and DIR:nocopy as Open MPI spells it', async () => {
    const options = await run(['--trace', 't.json', '--profile', '--profile-json', 'p.json', '-output-filename', 'out:nocopy', '-timestamp-output', 'p']);
    assert.equal(options.trace, 't.json');
    assert.equal(options.profile, true);
    assert.equal(options.profileJson, 'p.json');
    assert.equal(options.outputFilename, 'out');
    assert.equal(options.outputCopy, false);
    assert.equal(options.timestampOutput, true);
    const plain = await run(['--output-filename', 'out', 'p']);
    assert.equal(plain.outputFilename, 'out');
    assert.equal(plain.outputCopy, undefined);
  });

  it('reads the flags', async () => {
    const options = await run(['--oversubscribe', '--tag-output', '--wdir', '/tmp', 'p']);
    assert.equal(options.oversubscribe, true);
    assert.equal(options.tagOutput, true);
    assert.equal(options.wdir, '/tmp');
  });

  const bad: [string[], RegExp][] = [
    [['--nope', 'p'], /Unknown argument: nope/],
    [['-np', '0', 'p'], /at least 1 \(got "0"\)/],
    [['-np', '2.5', 'p'], /at least 1 \(got "2\.5"\)/],
    [['-np'], /Not enough arguments following: np/],
    [[], /no program was given/],
    [['-x', '1BAD=2', 'p'], /not a valid variable name/],
    [['--timeout', '0', 'p'], /positive number of seconds/],
    [['--output-filename', ':nocopy', 'p'], /--output-filename :nocopy names no directory before :nocopy/],
    [['--output-filename', '', 'p'], /--output-filename needs a directory/],
  ];
  for (const [argv, message] of bad) {
    it(`refuses ${JSON.stringify(argv)}`, async () => {
      await assert.rejects(parseCommandLine(argv, {}), (e: unknown) => isTsmpiError(e, 'ERR_USAGE') && message.test(e.message));
    });
  }

  it('refuses a malformed MPIEXEC_TIMEOUT', async () => {
    await assert.rejects(parseCommandLine(['p'], { MPIEXEC_TIMEOUT: 'soon' }), /MPIEXEC_TIMEOUT=soon/);
  });

  it('recognises --help and --version', async () => {
    const help = await parseCommandLine(['--help'], {});
    assert.equal(help.kind, 'help');
    assert.match((help as { text: string }).text, /Usage: tsmpiexec/);
    assert.equal((await parseCommandLine(['-V'], {})).kind, 'version');
  });
});
