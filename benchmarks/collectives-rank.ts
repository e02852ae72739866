/**
 * The rank program of the collectives benchmark, measured as the OSU micro-benchmarks do: each
 * rank times only the call, a barrier separates iterations (outside the timed part), and the
 * average over ranks is reported. Prints one JSON record per (operation, size) on rank 0.
 * bcast, reduce and allreduce place their result in a buffer (`bcastInto`, `reduceInto`,
 * `allreduceInto`), as osu_bcast, osu_reduce and osu_allreduce do; the `..., new arrays` rows
 * measure `bcast`, `reduce` and `allreduce`, which return a new array each call.
 *
 *   tsmpiexec -np 4 benchmarks/collectives-rank.ts [--quick]
 */
import { init, finalize } from 'tsmpi';

const quick = process.argv.includes('--quick');
const comm = await init();
const SIZES = [8, 1024, 65536, 1 << 20];

/** Builds an operation's arguments from `buffer` once, and returns the call that is timed. */
type Operation = (buffer: Float64Array) => () => Promise<unknown>;
const operations: Record<string, Operation> = {
  barrier: () => () => comm.barrier(),
  bcast: (buffer) => () => comm.bcastInto(buffer, 0),
  'bcast, new arrays': (buffer) => () => comm.bcast(comm.rank === 0 ? buffer : undefined, 0),
  reduce: (buffer) => {
    const result = comm.rank === 0 ? new Float64Array(buffer.length) : undefined;
    return () => comm.reduceInto(buffer, result);
  },
  'reduce, new arrays': (buffer) => () => comm.reduce(buffer),
  allreduce: (buffer) => {
    const result = new Float64Array(buffer.length);
    return () => comm.allreduceInto(buffer, result);
  },
  'allreduce, new arrays': (buffer) => () => comm.allreduce(buffer),
  gather: (buffer) => () => comm.gather(buffer),
  scatter: (buffer) => {
    const parts = comm.rank === 0 ? Array.from({ length: comm.size }, () => buffer) : undefined;
    return () => comm.scatter(parts);
  },
  allgather: (buffer) => () => comm.allgather(buffer),
  alltoall: (buffer) => {
    const parts = Array.from({ length: comm.size }, () => buffer);
    return () => comm.alltoall(parts);
  },
};

for (const [name, operation] of Object.entries(operations)) {
  for (const bytes of name === 'barrier' ? [0] : name.endsWith(', new arrays') ? [8, 1 << 20] : SIZES) {
    const call = operation(new Float64Array(Math.max(1, bytes / 8)));
    const large = bytes > 8192;
    const iterations = quick ? (large ? 5 : 50) : large ? 50 : 500;
    // osu's 100 warm-up iterations leave a rank's code partly unoptimised by V8 (a small call's
    // first 1 000-3 000 run up to 1.6 times slower), and each call's own code warms up here.
    const warmup = quick ? 2 : large ? 10 : 1000;
    let total = 0;
    for (let i = 0; i < warmup + iterations; i++) {
      const start = performance.now();
      await call();
      if (i >= warmup) total += performance.now() - start;
      await comm.barrier();
    }
    const averageUs = await comm.reduce((total * 1000) / iterations);
    if (comm.rank === 0) {
      console.log(JSON.stringify({ bench: name, impl: 'tsmpi', np: comm.size, size: bytes, value: (averageUs as number) / comm.size, unit: 'us' }));
    }
  }
}
await finalize();
