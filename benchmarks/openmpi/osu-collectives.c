/*
 * Open MPI's side of the collectives benchmark (benchmarks/collectives.ts), measured as
 * benchmarks/collectives-rank.ts measures tsmpi: each rank times only the call, a barrier after
 * every iteration outside the timed part, the average over ranks reported by rank 0 as one JSON
 * record per (operation, size). Sizes are the bytes each rank contributes, in doubles.
 *
 *   mpicc -O2 -o osu-collectives osu-collectives.c && mpirun -np 4 ./osu-collectives IMPL [--quick]
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size, quick;

static double run(const char *name, double *in, double *out, int count) {
  if (strcmp(name, "barrier") == 0) return MPI_Barrier(MPI_COMM_WORLD);
  if (strcmp(name, "bcast") == 0) return MPI_Bcast(in, count, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (strcmp(name, "reduce") == 0) return MPI_Reduce(in, out, count, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
  if (strcmp(name, "allreduce") == 0) return MPI_Allreduce(in, out, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  if (strcmp(name, "gather") == 0) return MPI_Gather(in, count, MPI_DOUBLE, out, count, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (strcmp(name, "scatter") == 0) return MPI_Scatter(out, count, MPI_DOUBLE, in, count, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (strcmp(name, "allgather") == 0) return MPI_Allgather(in, count, MPI_DOUBLE, out, count, MPI_DOUBLE, MPI_COMM_WORLD);
  return MPI_Alltoall(out, count, MPI_DOUBLE, in, count, MPI_DOUBLE, MPI_COMM_WORLD);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const char *impl = argc > 1 ? argv[1] : "Open MPI";
  quick = argc > 2 && strcmp(argv[2], "--quick") == 0;
  const char *operations[] = {"barrier", "bcast", "reduce", "allreduce", "gather", "scatter", "allgather", "alltoall"};
  long sizes[] = {8, 1024, 65536, 1 << 20};
  int largest = (1 << 20) / 8;
  /* Every operation fits: `in` holds one contribution (or a whole alltoall), `out` size of them. */
  double *in = calloc((size_t)largest * size, sizeof(double)), *out = calloc((size_t)largest * size, sizeof(double));
  for (int o = 0; o < 8; o++) {
    int barrier = strcmp(operations[o], "barrier") == 0;
    for (int s = 0; s < (barrier ? 1 : 4); s++) {
      long bytes = barrier ? 0 : sizes[s];
      int count = bytes / 8 > 0 ? (int)(bytes / 8) : 1;
      int large = bytes > 8192;
      int iterations = quick ? (large ? 5 : 50) : large ? 50 : 500;
      int warmup = quick ? 2 : large ? 10 : 100;
      double total = 0;
      for (int i = 0; i < warmup + iterations; i++) {
        double start = MPI_Wtime();
        run(operations[o], in, out, count);
        if (i >= warmup) total += MPI_Wtime() - start;
        MPI_Barrier(MPI_COMM_WORLD);
      }
      double mine = total * 1e6 / iterations, sum = 0;
      MPI_Reduce(&mine, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
      if (rank == 0)
        printf("{\"bench\":\"%s\",\"impl\":\"%s\",\"np\":%d,\"size\":%ld,\"value\":%.3f,\"unit\":\"us\"}\n", operations[o], impl, size, bytes, sum / size);
    }
  }
  free(in);
  free(out);
  MPI_Finalize();
  return 0;
}
