/**
 * Two ranks bounce a message back and forth and report the average one-way time for a few sizes,
 * the way the OSU latency benchmark measures it (half of a round trip).
 *
 *   npx tsmpiexec -np 2 examples/pingpong.ts [iterations]
 */
import { init, finalize } from 'tsmpi';

const comm = await init();
if (comm.size !== 2) {
  if (comm.rank === 0) console.error('pingpong needs exactly 2 ranks: tsmpiexec -np 2 examples/pingpong.ts');
  await finalize();
  process.exit(1);
}

const iterations = Number(process.argv[2] ?? 1000);
const peer = 1 - comm.rank;

for (const bytes of [8, 1024, 65536, 1 << 20]) {
  const message = new Float64Array(bytes / 8);
  const rounds = bytes > 8192 ? Math.max(10, Math.floor(iterations / 10)) : iterations;
  let start = 0n;
  for (let i = -10; i < rounds; i++) {
    if (i === 0) start = process.hrtime.bigint();
    if (comm.rank === 0) {
      await comm.send(message, peer);
      await comm.recv(peer);
    } else {
      await comm.recv(peer);
      await comm.send(message, peer);
    }
  }
  const microseconds = Number(process.hrtime.bigint() - start) / 1000 / (2 * rounds);
  if (comm.rank === 0) console.log(`${bytes} bytes: ${microseconds.toFixed(1)} us one way (${rounds} round trips)`);
}
await finalize();
