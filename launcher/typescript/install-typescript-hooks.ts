/**
 * Installs the TypeScript hooks of typescript-hooks.ts, the one way ranks
 * and the memory benchmark's program without tsmpi both do it (so that the benchmark compares
 * like with like on every Node).
 *
 * Where Node has in-thread hooks (module.registerHooks, 22.15 and later), they are used: hooks
 * registered with register() run in a second JavaScript environment on a thread of their own,
 * which took 70-75 ms to start in each rank even with hooks that do nothing (Node 20 and 22 on the
 * 2-core machine), against 3 ms in-thread (docs/performance.md). `TSMPI_TS_HOOKS=thread` keeps
 * them on their thread on any Node.
 */
import * as nodeModule from 'node:module';
import type { loadSync, resolveSync } from './typescript-hooks.js';

/** `module.registerHooks` (Node 22.15 and later), which Node 20's types do not declare. */
type RegisterHooks = (hooks: { resolve: typeof resolveSync; load: typeof loadSync }) => unknown;

/** Installs the hooks for every module imported from now on. */
export async function installTypescriptHooks(): Promise<void> {
  const registerHooks = (nodeModule as unknown as { registerHooks?: RegisterHooks }).registerHooks;
  if (registerHooks !== undefined && process.env.TSMPI_TS_HOOKS !== 'thread') {
    const { resolveSync, loadSync } = await import('./typescript-hooks.js');
    registerHooks({ resolve: resolveSync, load: loadSync });
  } else {
    nodeModule.register(new URL('./typescript-hooks.js', import.meta.url));
  }
}
