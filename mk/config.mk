# mk/config.mk — toolchains and flags shared by every part of the build.
# Each subsystem has its own fragment (boot/boot.mk, kernel/kernel.mk, ...)
# that adds its outputs to ALL_TARGETS and its suites to TEST_TARGETS.

BUILD    := build
HOST_BUILD := $(BUILD)/host

# Kernel and loader: clang for every target (x86-64 ELF, PE32+, wasm32).
CC       := clang
LD       := ld.lld
NASM     := nasm

# Host programs (kpio-wasm, unit tests, fuzzers). Unit tests run under
# AddressSanitizer and UBSan.
HOST_CC      := clang
HOST_CFLAGS  := -std=c11 -O2 -g -Wall -Wextra -D_GNU_SOURCE -Iinclude
SAN_FLAGS    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_FLAGS   := -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer

# Native baselines for benchmarks are built the way the issue asks: gcc -O2.
BENCH_CC     := gcc

# WebAssembly apps (wasm32-wasi against Debian's wasi-libc).
WASM_CC      := clang --target=wasm32-wasi
WASM_CFLAGS  := -O2 -Wall -Wextra

NPROC := $(shell nproc 2>/dev/null || echo 2)
