/**
 * glibc malloc settings for Node ranks, passed as GLIBC_TUNABLES: freed message buffers stay in
 * the process for the next message instead of going back to the kernel.
 *
 * libzmq allocates every message it receives with malloc, and Node every ArrayBuffer. By default
 * glibc maps blocks from 128 KiB up (a threshold it raises only as such blocks are freed) straight
 * from the kernel and returns free memory above 128 KiB at the top of its heap, so each new block
 * arrives as fresh pages, and each page faults on its first touch. A rank receiving 1 MiB messages
 * took about 30 page faults per message; with these settings 3, and a 1 MiB round trip lost about
 * 15 % of its time (docs/performance.md). Real-time programs make the same trade for the same
 * reason (mallopt with trimming and mmap off): memory that stays mapped does not fault again. The
 * cost: a rank keeps up to TRIM_THRESHOLD_BYTES of freed memory instead of returning it.
 */

/** Blocks this large or larger still come straight from the kernel: what glibc's own adaptive threshold tops out at. */
export const MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024;
/** Free memory a rank keeps at the top of its heap before returning it to the kernel. */
export const TRIM_THRESHOLD_BYTES = 128 * 1024 * 1024;

const TUNABLES: readonly (readonly [string, number])[] = [
  ['glibc.malloc.mmap_threshold', MMAP_THRESHOLD_BYTES],
  ['glibc.malloc.trim_threshold', TRIM_THRESHOLD_BYTES],
];

/**
 * `current` (a GLIBC_TUNABLES value, or undefined) with tsmpi's malloc settings added; a setting
 * `current` already makes is kept as it is.
 */
export function withMallocTunables(current: string | undefined): string {
  const entries = current === undefined || current === '' ? [] : current.split(':');
  const named = new Set(entries.map((entry) => entry.split('=')[0]));
  for (const [name, value] of TUNABLES) if (!named.has(name)) entries.push(`${name}=${value}`);
  return entries.join(':');
}

/**
 * The variables that tune malloc for a Node rank, given the job's environment and its -x
 * variables: none when TSMPI_MALLOC_TUNING is `0` or `off`.
 */
export function mallocTuningEnvironment(environment: NodeJS.ProcessEnv, exported: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const choice = exported?.TSMPI_MALLOC_TUNING ?? environment.TSMPI_MALLOC_TUNING;
  if (choice === '0' || choice === 'off') return {};
  return { GLIBC_TUNABLES: withMallocTunables(exported?.GLIBC_TUNABLES ?? environment.GLIBC_TUNABLES) };
}
