"""The start-up benchmark's mpi4py counterpart of benchmarks/hello-rank.ts."""
from mpi4py import MPI

comm = MPI.COMM_WORLD
print(f"I am rank {comm.Get_rank()} in group of {comm.Get_size()} processes.")
