# sdk/sdk.mk — the KPIO app SDK: sdk/include (kpio.h, and <sys/socket.h>,
# <netdb.h> completing wasi-libc's), and libkpio.a for wasm32-wasi with the
# BSD socket wrapper and process helpers (sdk/lib).

WASM_BUILD  := $(BUILD)/wasm
WASM_AR     := llvm-ar
SDK_CFLAGS  := $(WASM_CFLAGS) -Isdk/include
# Keep the name section (function names in trap messages), drop DWARF.
WASM_LDFLAGS := -Wl,--strip-debug

SDK_SRCS := sdk/lib/process.c sdk/lib/socket.c sdk/lib/netdb.c
SDK_OBJS := $(patsubst sdk/lib/%.c,$(WASM_BUILD)/sdk/%.o,$(SDK_SRCS))
SDK_LIB  := $(WASM_BUILD)/sdk/libkpio.a

$(WASM_BUILD)/sdk/%.o: sdk/lib/%.c
	@mkdir -p $(@D)
	$(WASM_CC) $(SDK_CFLAGS) -MMD -MP -c $< -o $@

$(SDK_LIB): $(SDK_OBJS)
	@rm -f $@
	$(WASM_AR) rcs $@ $^

ALL_TARGETS += $(SDK_LIB)

-include $(SDK_OBJS:.o=.d)
