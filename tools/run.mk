# tools/run.mk — what `make run` adds to the QEMU machine (the Makefile's run
# target passes RUN_ARGS to tools/kpio-qemu).
#
# - A virtio-net NIC on QEMU's user networking with restrict=on (kpio-qemu
#   always sets it): the guest gets 10.0.2.15 by `dhcp`, answers from the
#   virtual gateway 10.0.2.2 (`ping 10.0.2.2`), and reaches one web server,
#   http://10.0.2.100/ (tools/run-httpd serving docs/, started by QEMU per
#   connection), and nothing else: no packet leaves this machine.
# - The disk image as a lasting copy, build/run.img (kpio-qemu --persist):
#   what you write under /data is still there at the next `make run`, while
#   the loader and the kernel are always the freshly built ones. Delete
#   build/run.img to start again from the image's own /data.

RUN_HTTPD := guestfwd=tcp:10.0.2.100:80-cmd:/usr/bin/python3 $(CURDIR)/tools/run-httpd
RUN_ARGS  += --nic "user,$(RUN_HTTPD)" --persist $(BUILD)/run.img

# The arguments, for tests/system/test_run.py (which boots what `make run` boots).
.PHONY: print-run-args
print-run-args:
	@echo '$(RUN_ARGS)'
