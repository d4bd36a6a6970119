# guest.run=appbench: fork+exec of a static busybox applet, a null system call
# (beside KPIO's app cold start and null host call, tests/bench/userspace_bench.py).
spawn-bench 100
