"""multiprocessing.Pool side of benchmarks/pools.ts: prints one JSON record per measurement."""
import json
import random
import sys
import time
from multiprocessing import Pool

WORKERS = int(sys.argv[1])
QUICK = '--quick' in sys.argv


def square(x):
    return x * x


def count_inside(n):
    inside = 0
    for _ in range(n):
        x = random.random()
        y = random.random()
        if x * x + y * y <= 1:
            inside += 1
    return inside


def record(bench, value, unit):
    print(json.dumps({'bench': bench, 'impl': 'python-multiprocessing', 'np': WORKERS, 'size': 0, 'value': value, 'unit': unit}))


if __name__ == '__main__':
    tiny = 20_000 if QUICK else 200_000
    imap_items = 2_000 if QUICK else 20_000
    samples = 2_000_000 if QUICK else 20_000_000
    with Pool(WORKERS) as pool:
        start = time.perf_counter()
        pool.map(square, range(tiny))
        record('tiny tasks, default chunks', tiny / (time.perf_counter() - start), 'tasks/s')
        start = time.perf_counter()
        for _ in pool.imap(square, range(imap_items), chunksize=1):
            pass
        record('tiny tasks, chunksize 1', imap_items / (time.perf_counter() - start), 'tasks/s')
        start = time.perf_counter()
        count_inside(samples)
        serial = time.perf_counter() - start
        start = time.perf_counter()
        sum(pool.map(count_inside, [samples // 20] * 20))
        record('monte carlo pi speed-up', serial / (time.perf_counter() - start), 'x')
