/*
 * boot/efi_io.c — console output and file reading through UEFI boot services:
 * ConOut (UEFI 2.10 §12.4, mirrored to the serial port by OVMF), the loaded
 * image's device (§9.1) and its simple file system (§13.4-13.5).
 */
#include "loader.h"
#include "efi.h"
#include "lib/lib.h"

static efi_system_table *st;

void con_init(void *system_table)
{
    st = system_table;
}

/* Print through ConOut, turning '\n' into "\r\n" and ASCII into UCS-2. */
void con_printf(const char *fmt, ...)
{
    char text[256];
    char16 wide[2 * sizeof(text)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);

    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\n')
            wide[n++] = '\r';
        wide[n++] = (unsigned char)*p;
    }
    wide[n] = 0;
    if (st && st->con_out)
        st->con_out->output_string(st->con_out, wide);
}

static const char *status_name(efi_status s)
{
    switch (s) {
    case EFI_NOT_FOUND:          return "not found";
    case EFI_VOLUME_CORRUPTED:   return "volume corrupted";
    case EFI_OUT_OF_RESOURCES:   return "out of memory";
    case EFI_BUFFER_TOO_SMALL:   return "buffer too small";
    case EFI_UNSUPPORTED:        return "unsupported";
    case EFI_INVALID_PARAMETER:  return "invalid parameter";
    default:                     return "firmware error";
    }
}

/* Open the root directory of the volume this loader was started from. */
static int open_boot_volume(efi_handle image, efi_file **root)
{
    static const efi_guid loaded_image_guid = EFI_LOADED_IMAGE_GUID;
    static const efi_guid fs_guid = EFI_SIMPLE_FILE_SYSTEM_GUID;
    efi_boot_services *bs = st->boot_services;
    efi_loaded_image *li;
    efi_simple_file_system *fs;
    efi_status s;

    s = bs->handle_protocol(image, &loaded_image_guid, (void **)&li);
    if (EFI_IS_ERROR(s)) {
        con_printf("KPIO loader error: no loaded-image protocol (%s)\n", status_name(s));
        return -1;
    }
    s = bs->handle_protocol(li->device_handle, &fs_guid, (void **)&fs);
    if (EFI_IS_ERROR(s)) {
        con_printf("KPIO loader error: boot device has no file system (%s)\n", status_name(s));
        return -1;
    }
    s = fs->open_volume(fs, root);
    if (EFI_IS_ERROR(s)) {
        con_printf("KPIO loader error: cannot open the boot volume (%s)\n", status_name(s));
        return -1;
    }
    return 0;
}

int file_read(void *image, const char *path, void **data, uint64_t *size, uint64_t max_size)
{
    static const efi_guid info_guid = EFI_FILE_INFO_GUID;
    efi_boot_services *bs = st->boot_services;
    char16 wpath[CONFIG_PATH_MAX];
    efi_file *root, *file;
    efi_status s;
    int rc = -1;

    size_t n = strlen(path);
    if (n >= ARRAY_SIZE(wpath))
        return -1;
    for (size_t i = 0; i <= n; i++)
        wpath[i] = (unsigned char)path[i];

    if (open_boot_volume(image, &root) < 0)
        return -1;
    s = root->open(root, &file, wpath, EFI_FILE_MODE_READ, 0);
    if (EFI_IS_ERROR(s)) {
        con_printf("KPIO loader error: cannot open %s (%s)\n", path, status_name(s));
        root->close(root);
        return -1;
    }

    union { efi_file_info info; uint8_t bytes[512]; } info;
    uint64_t info_size = sizeof(info);
    s = file->get_info(file, &info_guid, &info_size, &info);
    if (EFI_IS_ERROR(s)) {
        con_printf("KPIO loader error: cannot stat %s (%s)\n", path, status_name(s));
        goto out;
    }
    uint64_t file_size = info.info.file_size;
    if (file_size > max_size) {
        con_printf("KPIO loader error: %s is too large (%llu bytes, at most %llu)\n", path,
                   (unsigned long long)file_size, (unsigned long long)max_size);
        goto out;
    }
    void *buf;
    s = bs->allocate_pool(EFI_LOADER_DATA, file_size ? file_size : 1, &buf);
    if (EFI_IS_ERROR(s)) {
        con_printf("KPIO loader error: no memory for %s (%s)\n", path, status_name(s));
        goto out;
    }
    uint64_t got = file_size;
    s = file->read(file, &got, buf);
    if (EFI_IS_ERROR(s) || got != file_size) {
        con_printf("KPIO loader error: reading %s failed (%s, %llu of %llu bytes)\n", path,
                   status_name(s), (unsigned long long)got, (unsigned long long)file_size);
        bs->free_pool(buf);
        goto out;
    }
    *data = buf;
    *size = file_size;
    rc = 0;
out:
    file->close(file);
    root->close(root);
    return rc;
}
