# guest.run=pingpong: process context switches through pipes.
pipe-pingpong 5000
