# guest.run=malloc: glibc malloc/free.
malloc-bench 200000
