/*
 * tests/unit/boot/test_elf_check.c — boot/elf_check.c: a well-formed kernel
 * image is accepted with the right layout; each kind of damage is refused
 * with a reason; truncations and random corruption never read out of bounds
 * (AddressSanitizer watches) and never let an inconsistent image through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "loader.h"
#include <kpio/elf.h>

#define BASE KPIO_KERNEL_BASE
#define VMAX (KPIO_KERNEL_BASE + KPIO_KERNEL_MAX_SIZE)

static uint8_t *file;
static size_t file_size;

static struct elf64_ehdr *eh(void) { return (struct elf64_ehdr *)file; }
static struct elf64_phdr *ph(int i) { return (struct elf64_phdr *)(file + sizeof(struct elf64_ehdr)) + i; }

/* A small image shaped like the real kernel: text RX, rodata R, data RW with
 * bss, a PT_GNU_STACK; segment bytes at file offsets 0x1000, 0x2000, 0x3000. */
static void build(void)
{
    file_size = 4 * 4096;
    free(file);
    file = calloc(1, file_size);
    struct elf64_ehdr h = {
        .e_ident = { ELF_MAGIC0, 'E', 'L', 'F', ELF_CLASS64, ELF_DATA2LSB, ELF_VERSION_CURRENT },
        .e_type = ELF_TYPE_EXEC, .e_machine = ELF_MACHINE_X86_64,
        .e_version = ELF_VERSION_CURRENT, .e_entry = BASE + 0x10,
        .e_phoff = sizeof(struct elf64_ehdr), .e_ehsize = sizeof(struct elf64_ehdr),
        .e_phentsize = sizeof(struct elf64_phdr), .e_phnum = 4,
    };
    memcpy(file, &h, sizeof(h));
    *ph(0) = (struct elf64_phdr){ PT_LOAD, PF_R | PF_X, 0x1000, BASE, BASE, 0x800, 0x800, 0x1000 };
    *ph(1) = (struct elf64_phdr){ PT_LOAD, PF_R, 0x2000, BASE + 0x1000, BASE + 0x1000, 0x100, 0x100, 0x1000 };
    *ph(2) = (struct elf64_phdr){ PT_LOAD, PF_R | PF_W, 0x3000, BASE + 0x2000, BASE + 0x2000, 0x10, 0x5000, 0x1000 };
    *ph(3) = (struct elf64_phdr){ 0x6474e551 /* PT_GNU_STACK */, PF_R | PF_W, 0, 0, 0, 0, 0, 16 };
}

static int check(struct elf_image *img, char *err)
{
    err[0] = 0;
    return elf_check(file, file_size, BASE, VMAX, img, err, LOADER_ERR_MAX);
}

static void expect_refused(const char *fragment)
{
    struct elf_image img;
    char err[LOADER_ERR_MAX];
    if (check(&img, err) != -1)
        fail_msg("accepted an image that should fail with '%s'", fragment);
    if (!strstr(err, fragment))
        fail_msg("error \"%s\" lacks \"%s\"", err, fragment);
}

static void test_valid(void **state)
{
    (void)state;
    struct elf_image img;
    char err[LOADER_ERR_MAX];
    build();
    assert_int_equal(check(&img, err), 0);
    assert_int_equal(img.segment_count, 3);
    assert_int_equal(img.entry, BASE + 0x10);
    assert_int_equal(img.vbase, BASE);
    assert_int_equal(img.vend, BASE + 0x7000);       /* data 0x2000 + 0x5000 */
    assert_true(img.segments[0].executable && !img.segments[0].writable);
    assert_true(!img.segments[1].executable && !img.segments[1].writable);
    assert_true(img.segments[2].writable && !img.segments[2].executable);
    assert_int_equal(img.segments[2].filesz, 0x10);
    assert_int_equal(img.segments[2].memsz, 0x5000);
}

static void test_header_damage(void **state)
{
    (void)state;
    build(); file[1] = 'X';                     expect_refused("bad magic");
    build(); eh()->e_ident[EI_CLASS] = 1;       expect_refused("64-bit");
    build(); eh()->e_ident[EI_DATA] = 2;        expect_refused("little-endian");
    build(); eh()->e_version = 2;               expect_refused("ELF version");
    build(); eh()->e_type = 3;                  expect_refused("not an executable");
    build(); eh()->e_machine = 3;               expect_refused("not x86-64");
    build(); eh()->e_phentsize = 32;            expect_refused("program header size");
    build(); eh()->e_phnum = 0;                 expect_refused("program header count");
    build(); eh()->e_phoff = file_size - 8;     expect_refused("outside the file");
    build(); eh()->e_phoff = ~0ULL - 8;         expect_refused("outside the file");
}

static void test_segment_damage(void **state)
{
    (void)state;
    build(); ph(1)->p_filesz = 0x200; ph(1)->p_memsz = 0x100;  expect_refused("exceeds memory size");
    build(); ph(2)->p_offset = file_size;                      expect_refused("outside the file");
    build(); ph(2)->p_offset = ~0ULL & ~0xfffULL;              expect_refused("outside the file");
    build(); ph(1)->p_vaddr += 8; ph(1)->p_offset += 8;        expect_refused("not page aligned");
    build(); ph(0)->p_vaddr = 0x400000;                        expect_refused("outside the kernel");
    build(); ph(2)->p_memsz = KPIO_KERNEL_MAX_SIZE;            expect_refused("outside the kernel");
    build(); ph(2)->p_memsz = ~0ULL - 0x1000;                  expect_refused("outside the kernel");
    build(); ph(0)->p_flags = PF_R | PF_W | PF_X;              expect_refused("W^X");
    build(); ph(1)->p_vaddr = BASE;                            expect_refused("overlaps");
    build(); ph(2)->p_vaddr = BASE + 0x1000;                   expect_refused("overlaps");
    build(); ph(3)->p_type = PT_INTERP;                        expect_refused("statically");
    build(); ph(3)->p_type = PT_DYNAMIC;                       expect_refused("statically");
    build(); eh()->e_entry = BASE + 0x1010;                    expect_refused("entry point");
    build(); eh()->e_entry = BASE + 0x900;                     expect_refused("entry point");
    build(); for (int i = 0; i < 3; i++) ph(i)->p_type = PT_NULL;  expect_refused("no loadable");
}

static void test_too_many_segments(void **state)
{
    (void)state;
    /* ELF_MAX_SEGMENTS + 1 one-page segments, each valid on its own. */
    unsigned n = ELF_MAX_SEGMENTS + 1;
    free(file);
    file_size = 4096 * (n + 1);
    file = calloc(1, file_size);
    struct elf64_ehdr h = {
        .e_ident = { ELF_MAGIC0, 'E', 'L', 'F', ELF_CLASS64, ELF_DATA2LSB, ELF_VERSION_CURRENT },
        .e_type = ELF_TYPE_EXEC, .e_machine = ELF_MACHINE_X86_64, .e_version = 1,
        .e_entry = BASE, .e_phoff = sizeof(h), .e_phentsize = sizeof(struct elf64_phdr),
        .e_phnum = (uint16_t)n,
    };
    memcpy(file, &h, sizeof(h));
    for (unsigned i = 0; i < n; i++)
        *ph((int)i) = (struct elf64_phdr){ PT_LOAD, PF_R | PF_X, 4096 * (i + 1), BASE + 4096 * i,
                                           0, 16, 16, 4096 };
    expect_refused("loadable segments");
}

/* Every prefix of a good image is either refused or (once all segments are
 * present) accepted; ASan checks that no prefix is read beyond its end. */
static void test_truncations(void **state)
{
    (void)state;
    build();
    uint8_t *full = file;
    size_t full_size = file_size;
    for (size_t len = 0; len < full_size; len += (len < 300 ? 1 : 97)) {
        uint8_t *prefix = malloc(len ? len : 1);
        memcpy(prefix, full, len);
        struct elf_image img;
        char err[LOADER_ERR_MAX];
        int rc = elf_check(prefix, len, BASE, VMAX, &img, err, sizeof(err));
        if (len < 0x3000 + 0x10)
            assert_int_equal(rc, -1);       /* the data segment's bytes are missing */
        else
            assert_int_equal(rc, 0);
        if (rc < 0)
            assert_true(strlen(err) > 0);
        free(prefix);
    }
}

/* Random corruption: whatever is accepted must be self-consistent. */
static void test_random_corruption(void **state)
{
    (void)state;
    srand(12345);
    for (int iter = 0; iter < 20000; iter++) {
        build();
        int flips = 1 + rand() % 4;
        for (int f = 0; f < flips; f++) {
            size_t at = (size_t)rand() % (sizeof(struct elf64_ehdr) + 4 * sizeof(struct elf64_phdr));
            file[at] ^= (uint8_t)(1u << (rand() % 8));
        }
        struct elf_image img;
        char err[LOADER_ERR_MAX];
        if (check(&img, err) < 0) {
            assert_true(strlen(err) > 0);
            continue;
        }
        for (unsigned i = 0; i < img.segment_count; i++) {
            const struct elf_segment *s = &img.segments[i];
            assert_true(s->offset + s->filesz <= file_size);
            assert_true(s->filesz <= s->memsz);
            assert_true(s->vaddr >= BASE && s->vaddr + s->memsz <= VMAX);
            assert_false(s->writable && s->executable);
            assert_int_equal(s->vaddr % 4096, 0);
            if (i)
                assert_true(s->vaddr >= img.segments[i - 1].vaddr + img.segments[i - 1].memsz);
        }
        assert_true(img.vbase <= img.entry && img.entry < img.vend);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_header_damage),
        cmocka_unit_test(test_segment_damage),
        cmocka_unit_test(test_too_many_segments),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_random_corruption),
    };
    int rc = cmocka_run_group_tests_name("loader ELF checks", tests, NULL, NULL);
    free(file);
    return rc;
}
