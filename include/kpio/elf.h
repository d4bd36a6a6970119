/*
 * include/kpio/elf.h — ELF-64 file structures (System V ABI, "ELF-64 Object
 * File Format" 1.5 and the AMD64 psABI), for the loader and the kernel.
 */
#ifndef KPIO_ELF_H
#define KPIO_ELF_H

#include <stdint.h>

#define ELF_MAGIC0 0x7f
#define ELF_CLASS64 2
#define ELF_DATA2LSB 1
#define ELF_VERSION_CURRENT 1
#define ELF_TYPE_EXEC 2
#define ELF_MACHINE_X86_64 62

enum { EI_MAG0 = 0, EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6, EI_NIDENT = 16 };

struct elf64_ehdr {
    uint8_t  e_ident[EI_NIDENT];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

#define PT_NULL    0
#define PT_LOAD    1
#define PT_DYNAMIC 2
#define PT_INTERP  3
#define PT_TLS     7

#define PF_X 1
#define PF_W 2
#define PF_R 4

struct elf64_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};

#endif
