# boot/boot.mk — the UEFI loader, build/boot/BOOTX64.EFI: a PE32+ application
# built with clang for the Windows x86-64 ABI and linked by lld-link, with no
# library (the loader brings its own UEFI definitions, boot/efi.h, and shares
# the kernel's string and printf code).

BOOT_BUILD := $(BUILD)/boot

BOOT_CFLAGS := -target x86_64-unknown-windows -std=c11 -O2 -ffreestanding -fno-builtin \
    -fshort-wchar -mno-red-zone -fno-stack-protector -mno-stack-arg-probe \
    -Wall -Wextra -Iinclude -Ikernel -MMD -MP

BOOT_SRCS := boot/main.c boot/efi_io.c boot/config.c boot/elf_check.c kernel/lib/sha256.c \
    boot/memmap.c boot/paging.c kernel/lib/string.c kernel/lib/printf.c
BOOT_OBJS := $(patsubst %.c,$(BOOT_BUILD)/%.obj,$(BOOT_SRCS))

$(BOOT_BUILD)/%.obj: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BOOT_CFLAGS) -c $< -o $@

$(BOOT_BUILD)/BOOTX64.EFI: $(BOOT_OBJS)
	lld-link -subsystem:efi_application -entry:efi_main -nodefaultlib -out:$@ $^

ALL_TARGETS += $(BOOT_BUILD)/BOOTX64.EFI

-include $(BOOT_OBJS:.obj=.d)
