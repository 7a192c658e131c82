// VANSBench: engine workloads timed against PyTorch by scripts/bench/run.sh.
print("VANSBench: no workloads yet")
