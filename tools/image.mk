# tools/image.mk — build/kpio.img, the bootable GPT disk (tools/mkimage).
# Later subsystems add partitions from any fragment, in any order:
#     IMAGE_PARTS += --part LABEL:TYPECODE:FILE
#     IMAGE_PART_FILES += FILE
# (second expansion below reads them after every fragment is included).
# IMAGE_CMDLINE is the kernel command line baked into the image.

.SECONDEXPANSION:
$(BUILD)/kpio.img: $(BOOT_BUILD)/BOOTX64.EFI $(KERNEL_BUILD)/kernel.strip.elf tools/mkimage \
                   $$(IMAGE_PART_FILES)
	tools/mkimage --loader $(BOOT_BUILD)/BOOTX64.EFI --kernel $(KERNEL_BUILD)/kernel.strip.elf \
	    --cmdline "$(IMAGE_CMDLINE)" $(IMAGE_PARTS) $@

ALL_TARGETS += $(BUILD)/kpio.img
