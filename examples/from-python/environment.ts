/**
 * os.cpu_count(), SLURM_CPUS_PER_TASK and os.environ['SLURM_PROCID']: how a rank finds out who it
 * is and how many cores it has.
 *
 *   npx tsmpiexec -np 2 examples/from-python/environment.ts
 */
import { init, finalize } from 'tsmpi';
import { availableCores } from 'tsmpi/launcher';

const comm = await init();
const env = process.env;
// Cores of this machine this process may use (affinity and cgroup quota, as Slurm and PBS set them).
const cores = availableCores();
// Ranks that share this machine, and so its cores.
const ranksHere = Number(env.TSMPI_LOCAL_SIZE ?? 1);
const threadsPerRank = Number(env.SLURM_CPUS_PER_TASK ?? Math.max(1, Math.floor(cores / ranksHere)));
console.log(
  `rank ${comm.rank} of ${comm.size}: TSMPI_RANK=${env.TSMPI_RANK} OMPI_COMM_WORLD_RANK=${env.OMPI_COMM_WORLD_RANK} ` +
    `local rank ${env.TSMPI_LOCAL_RANK} of ${ranksHere}, ${cores} cores here, ${threadsPerRank} threads per rank`,
);
await finalize();
