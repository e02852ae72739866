/*
 * What the operating system charges for the two things every message between processes needs,
 * measured on this machine in the same run as the messages themselves (benchmarks/p2p.ts):
 *
 *   - a system call: getpid() made as a real system call (glibc no longer caches it, and
 *     libzmq calls it about 11 times per message to notice a fork), averaged over a loop;
 *   - a wake-up across processes: one way of a ping-pong of one byte over two pipes between two
 *     processes, each blocked in read() until the other writes, i.e. the time for a process
 *     that is asleep waiting for input to be woken and run.
 *
 * A message through libzmq costs about 34 system calls and 3 wake-ups (docs/performance.md), so
 * these two figures bound what any zeromq.js program, tsmpi included, can reach here.
 * Prints one JSON record per figure, the format of every benchmark program, under the
 * implementation name it is given (benchmarks/lib/os-costs.ts names it).
 *
 *   os-costs IMPL [--quick]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static const char *impl = "C";

static void record(const char *bench, int np, double value) {
  printf("{\"bench\":\"%s\",\"impl\":\"%s\",\"np\":%d,\"size\":0,\"value\":%.3f,\"unit\":\"us\"}\n", bench, impl, np, value);
}

int main(int argc, char **argv) {
  if (argc > 1) impl = argv[1];
  const int quick = argc > 2 && strcmp(argv[2], "--quick") == 0;
  const int calls = quick ? 50000 : 200000;
  const int round_trips = quick ? 5000 : 20000;

  double start = now_us();
  for (int i = 0; i < calls; i++) syscall(SYS_getpid);
  record("system call", 1, (now_us() - start) / calls);

  int to_child[2], to_parent[2];
  if (pipe(to_child) != 0 || pipe(to_parent) != 0) return perror("pipe"), 1;
  char byte = 'x';
  pid_t child = fork();
  if (child < 0) return perror("fork"), 1;
  if (child == 0) {
    for (int i = 0; i < 100 + round_trips; i++) {
      if (write(to_parent[1], &byte, 1) != 1 || read(to_child[0], &byte, 1) != 1) _exit(1);
    }
    _exit(0);
  }
  // The child writes first so that both are running before the timed loop; 100 round trips warm up.
  for (int i = 0; i < 100; i++) {
    if (read(to_parent[0], &byte, 1) != 1 || write(to_child[1], &byte, 1) != 1) return perror("pipe"), 1;
  }
  start = now_us();
  for (int i = 0; i < round_trips; i++) {
    if (read(to_parent[0], &byte, 1) != 1 || write(to_child[1], &byte, 1) != 1) return perror("pipe"), 1;
  }
  const double elapsed = now_us() - start;
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return fprintf(stderr, "os-costs: the ping-pong child failed\n"), 1;
  }
  record("wake-up across processes", 2, elapsed / round_trips / 2);
  return 0;
}
