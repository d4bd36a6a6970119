# runtime/kpio.mk — the host side of the kpio API (runtime/kpio/, portable)
# and its Linux backend (runtime/host/kpio_linux.c), linked into kpio-wasm.
#
#   build/host/libkpiohost.a     the kpio layer + the Linux backend
#   make test-kpio-unit          its unit tests under ASan+UBSan

KPIO_HOST_DIR  := $(HOST_BUILD)/kpio
KPIO_HOST_INC  := -Iruntime/include -Iruntime/wasi -Iruntime/host -Iruntime/kpio -Isdk/include
KPIO_HOST_SRCS := $(wildcard runtime/kpio/*.c) runtime/host/kpio_linux.c
KPIO_HOST_HDRS := $(wildcard runtime/kpio/*.h) runtime/host/kpio_linux.h sdk/include/kpio.h \
                  $(wildcard runtime/wasi/*.h) runtime/include/kpio_wasm.h
KPIO_HOST_OBJS := $(patsubst %.c,$(KPIO_HOST_DIR)/obj/%.o,$(KPIO_HOST_SRCS))
KPIO_HOST_SAN_OBJS := $(patsubst %.c,$(KPIO_HOST_DIR)/san/%.o,$(KPIO_HOST_SRCS))
KPIO_HOST_LIB  := $(HOST_BUILD)/libkpiohost.a

$(KPIO_HOST_DIR)/obj/%.o: %.c $(KPIO_HOST_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(KPIO_HOST_INC) -c $< -o $@

$(KPIO_HOST_DIR)/san/%.o: %.c $(KPIO_HOST_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(KPIO_HOST_INC) -c $< -o $@

$(KPIO_HOST_LIB): $(KPIO_HOST_OBJS)
	@rm -f $@
	ar rcs $@ $^

ALL_TARGETS += $(KPIO_HOST_LIB)
