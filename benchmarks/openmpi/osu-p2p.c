/*
 * Open MPI's side of the point-to-point benchmark (benchmarks/p2p.ts): the OSU latency, bandwidth
 * and bi-directional bandwidth loops on raw bytes, printing one JSON record per measurement from
 * rank 0, in the same shape as the TypeScript suites.
 *
 *   mpicc -O2 -o osu-p2p osu-p2p.c && mpirun -np 2 ./osu-p2p IMPL-NAME [--quick]
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 64

static int rank, quick;
static const char *impl;

static void iterations_for(long size, int *warmup, int *iterations) {
  if (quick) { *warmup = size > 8192 ? 2 : 20; *iterations = size > 8192 ? 20 : 500; }
  else { *warmup = size > 8192 ? 10 : 100; *iterations = size > 8192 ? 1000 : 10000; }
}

static void record(const char *bench, long size, double value, const char *unit) {
  if (rank == 0) printf("{\"bench\":\"%s\",\"impl\":\"%s\",\"np\":2,\"size\":%ld,\"value\":%.3f,\"unit\":\"%s\"}\n", bench, impl, size, value, unit);
}

static double latency(char *buffer, long size) {
  int warmup, iterations, peer = 1 - rank;
  iterations_for(size, &warmup, &iterations);
  double start = 0;
  for (int i = 0; i < warmup + iterations; i++) {
    if (i == warmup) start = MPI_Wtime();
    if (rank == 0) {
      MPI_Send(buffer, (int)size, MPI_CHAR, peer, 1, MPI_COMM_WORLD);
      MPI_Recv(buffer, (int)size, MPI_CHAR, peer, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
      MPI_Recv(buffer, (int)size, MPI_CHAR, peer, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(buffer, (int)size, MPI_CHAR, peer, 1, MPI_COMM_WORLD);
    }
  }
  return (MPI_Wtime() - start) * 1e6 / (2.0 * iterations);
}

static double bandwidth(char *send_buffer, char *recv_buffer, long size, int both) {
  int warmup, iterations, peer = 1 - rank;
  iterations_for(size, &warmup, &iterations);
  int loops = iterations / 20 > 2 ? iterations / 20 : 2;
  int skip = warmup / 10 > 1 ? warmup / 10 : 1;
  MPI_Request requests[2 * WINDOW];
  char ack[4] = {0};
  double start = 0;
  for (int i = 0; i < skip + loops; i++) {
    if (i == skip) start = MPI_Wtime();
    int n = 0;
    for (int w = 0; w < WINDOW; w++) {
      if (rank == 0 || both) MPI_Isend(send_buffer, (int)size, MPI_CHAR, peer, 1, MPI_COMM_WORLD, &requests[n++]);
      if (rank == 1 || both) MPI_Irecv(recv_buffer, (int)size, MPI_CHAR, peer, 1, MPI_COMM_WORLD, &requests[n++]);
    }
    MPI_Waitall(n, requests, MPI_STATUSES_IGNORE);
    if (rank == 0) MPI_Recv(ack, 4, MPI_CHAR, peer, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    else MPI_Send(ack, 4, MPI_CHAR, peer, 2, MPI_COMM_WORLD);
  }
  double seconds = MPI_Wtime() - start;
  return (double)size * WINDOW * loops * (both ? 2 : 1) / seconds / 1e6;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  impl = argc > 1 ? argv[1] : "Open MPI";
  quick = argc > 2 && strcmp(argv[2], "--quick") == 0;
  long quick_sizes[] = {8, 1024, 65536, 1 << 20, 1 << 22};
  long sizes[23];
  int count = 0;
  if (quick) { memcpy(sizes, quick_sizes, sizeof quick_sizes); count = 5; }
  else for (count = 0; count < 23; count++) sizes[count] = 1L << count;
  long largest = sizes[count - 1];
  char *send_buffer = calloc(largest, 1), *recv_buffer = calloc(largest, 1);
  for (int i = 0; i < count; i++) record("latency", sizes[i], latency(send_buffer, sizes[i]), "us");
  for (int i = 0; i < count; i++) record("bandwidth", sizes[i], bandwidth(send_buffer, recv_buffer, sizes[i], 0), "MB/s");
  for (int i = 0; i < count; i++) record("bidirectional bandwidth", sizes[i], bandwidth(send_buffer, recv_buffer, sizes[i], 1), "MB/s");
  free(send_buffer);
  free(recv_buffer);
  MPI_Finalize();
  return 0;
}
