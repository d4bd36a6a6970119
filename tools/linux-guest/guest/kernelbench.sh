# guest.run=kernelbench: the Linux figures beside KPIO's in-kernel benchmarks.
pipe-pingpong 20000
malloc-bench 200000
