# guest.run=kernelbench: the Linux figures beside KPIO's in-kernel benchmarks.
pipe-pingpong 5000
malloc-bench 200000
