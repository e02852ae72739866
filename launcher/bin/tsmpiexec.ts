#!/usr/bin/env node
/**
 * tsmpiexec: run a program as N cooperating ranks. See docs/cli.md or `tsmpiexec --help`.
 */
import { tsmpiexecMain } from '../cli/tsmpiexec-main.js';

// A reader that goes away (`tsmpiexec ... | head`) must not turn into a crash with a stack trace.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

process.exitCode = await tsmpiexecMain(process.argv.slice(2), process);
