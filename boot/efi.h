/*
 * boot/efi.h — the part of the UEFI interface the KPIO loader uses, written
 * from the UEFI 2.10 specification (no library). Only the members we call are
 * given their real types; the others are placeholders that keep the layout.
 */
#ifndef KPIO_EFI_H
#define KPIO_EFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EFIAPI __attribute__((ms_abi))

typedef uint64_t efi_status;
typedef void *efi_handle;
typedef uint16_t char16;
typedef uint64_t efi_phys_addr;

/* UEFI 2.10 Appendix D: error codes have the top bit set. */
#define EFI_ERROR_BIT          (1ULL << 63)
#define EFI_IS_ERROR(s)        (((s) & EFI_ERROR_BIT) != 0)
#define EFI_SUCCESS            0ULL
#define EFI_LOAD_ERROR         (EFI_ERROR_BIT | 1)
#define EFI_INVALID_PARAMETER  (EFI_ERROR_BIT | 2)
#define EFI_UNSUPPORTED        (EFI_ERROR_BIT | 3)
#define EFI_BUFFER_TOO_SMALL   (EFI_ERROR_BIT | 5)
#define EFI_OUT_OF_RESOURCES   (EFI_ERROR_BIT | 9)
#define EFI_VOLUME_CORRUPTED   (EFI_ERROR_BIT | 10)
#define EFI_NOT_FOUND          (EFI_ERROR_BIT | 14)
#define EFI_CRC_ERROR          (EFI_ERROR_BIT | 27)

typedef struct {
    uint32_t data1;
    uint16_t data2, data3;
    uint8_t data4[8];
} efi_guid;

typedef struct {
    uint64_t signature;
    uint32_t revision, header_size, crc32, reserved;
} efi_table_header;

/* UEFI 2.10 §12.4: the simple text output protocol (ConOut). */
typedef struct efi_text_output efi_text_output;
struct efi_text_output {
    void *reset;
    efi_status (EFIAPI *output_string)(efi_text_output *self, const char16 *s);
    void *test_string, *query_mode, *set_mode, *set_attribute, *clear_screen,
         *set_cursor_position, *enable_cursor, *mode;
};

/* UEFI 2.10 §7.2: memory allocation. */
enum efi_allocate_type { EFI_ALLOCATE_ANY_PAGES = 0, EFI_ALLOCATE_MAX_ADDRESS = 1,
                         EFI_ALLOCATE_ADDRESS = 2 };

enum efi_memory_type {
    EFI_RESERVED_MEMORY = 0, EFI_LOADER_CODE = 1, EFI_LOADER_DATA = 2,
    EFI_BOOT_SERVICES_CODE = 3, EFI_BOOT_SERVICES_DATA = 4,
    EFI_RUNTIME_SERVICES_CODE = 5, EFI_RUNTIME_SERVICES_DATA = 6,
    EFI_CONVENTIONAL_MEMORY = 7, EFI_UNUSABLE_MEMORY = 8,
    EFI_ACPI_RECLAIM_MEMORY = 9, EFI_ACPI_MEMORY_NVS = 10,
    EFI_MEMORY_MAPPED_IO = 11, EFI_MEMORY_MAPPED_IO_PORT_SPACE = 12,
    EFI_PAL_CODE = 13, EFI_PERSISTENT_MEMORY = 14,
};
/* Types 0x80000000 and up belong to the OS loader (UEFI 2.10 §7.2.1): we tag
 * our own allocations so that the final memory map tells them apart. */
#define EFI_KPIO_KERNEL_MEMORY 0x80000001u
#define EFI_KPIO_LOADER_MEMORY 0x80000002u

typedef struct {
    uint32_t type;
    uint32_t pad;
    efi_phys_addr physical_start;
    uint64_t virtual_start;
    uint64_t number_of_pages;
    uint64_t attribute;
} efi_memory_descriptor;

typedef struct {
    efi_table_header hdr;
    void *raise_tpl, *restore_tpl;
    efi_status (EFIAPI *allocate_pages)(int type, uint32_t memory_type, uint64_t pages,
                                        efi_phys_addr *memory);
    efi_status (EFIAPI *free_pages)(efi_phys_addr memory, uint64_t pages);
    efi_status (EFIAPI *get_memory_map)(uint64_t *map_size, efi_memory_descriptor *map,
                                        uint64_t *map_key, uint64_t *descriptor_size,
                                        uint32_t *descriptor_version);
    efi_status (EFIAPI *allocate_pool)(uint32_t memory_type, uint64_t size, void **buffer);
    efi_status (EFIAPI *free_pool)(void *buffer);
    void *create_event, *set_timer, *wait_for_event, *signal_event, *close_event,
         *check_event;
    void *install_protocol_interface, *reinstall_protocol_interface,
         *uninstall_protocol_interface;
    efi_status (EFIAPI *handle_protocol)(efi_handle handle, const efi_guid *protocol,
                                         void **interface);
    void *reserved, *register_protocol_notify, *locate_handle, *locate_device_path,
         *install_configuration_table;
    void *load_image, *start_image, *exit, *unload_image;
    efi_status (EFIAPI *exit_boot_services)(efi_handle image, uint64_t map_key);
    void *get_next_monotonic_count, *stall;
    efi_status (EFIAPI *set_watchdog_timer)(uint64_t timeout, uint64_t code,
                                            uint64_t data_size, const char16 *data);
    void *connect_controller, *disconnect_controller;
    void *open_protocol, *close_protocol, *open_protocol_information;
    void *protocols_per_handle, *locate_handle_buffer;
    efi_status (EFIAPI *locate_protocol)(const efi_guid *protocol, void *registration,
                                         void **interface);
    void *install_multiple_protocol_interfaces, *uninstall_multiple_protocol_interfaces;
    void *calculate_crc32, *copy_mem, *set_mem, *create_event_ex;
} efi_boot_services;

typedef struct {
    efi_guid vendor_guid;
    void *vendor_table;
} efi_configuration_table;

typedef struct {
    efi_table_header hdr;
    char16 *firmware_vendor;
    uint32_t firmware_revision;
    efi_handle console_in_handle;
    void *con_in;
    efi_handle console_out_handle;
    efi_text_output *con_out;
    efi_handle standard_error_handle;
    efi_text_output *std_err;
    void *runtime_services;
    efi_boot_services *boot_services;
    uint64_t number_of_table_entries;
    efi_configuration_table *configuration_table;
} efi_system_table;

/* UEFI 2.10 §9.1: the loaded image protocol tells us which device we came from. */
typedef struct {
    uint32_t revision;
    efi_handle parent_handle;
    efi_system_table *system_table;
    efi_handle device_handle;
    void *file_path;
    void *reserved;
    uint32_t load_options_size;
    void *load_options;
    void *image_base;
    uint64_t image_size;
    uint32_t image_code_type, image_data_type;
    void *unload;
} efi_loaded_image;

/* UEFI 2.10 §13.4-13.5: simple file system and file protocols. */
typedef struct efi_file efi_file;
struct efi_file {
    uint64_t revision;
    efi_status (EFIAPI *open)(efi_file *self, efi_file **out, const char16 *name,
                              uint64_t mode, uint64_t attributes);
    efi_status (EFIAPI *close)(efi_file *self);
    void *delete_file;
    efi_status (EFIAPI *read)(efi_file *self, uint64_t *size, void *buffer);
    void *write, *get_position, *set_position;
    efi_status (EFIAPI *get_info)(efi_file *self, const efi_guid *type, uint64_t *size,
                                  void *buffer);
    void *set_info, *flush;
};
#define EFI_FILE_MODE_READ 1ULL

typedef struct efi_simple_file_system efi_simple_file_system;
struct efi_simple_file_system {
    uint64_t revision;
    efi_status (EFIAPI *open_volume)(efi_simple_file_system *self, efi_file **root);
};

typedef struct {
    uint16_t year;
    uint8_t month, day, hour, minute, second, pad1;
    uint32_t nanosecond;
    int16_t time_zone;
    uint8_t daylight, pad2;
} efi_time;

typedef struct {
    uint64_t size, file_size, physical_size;
    efi_time create_time, last_access_time, modification_time;
    uint64_t attribute;
    char16 file_name[];
} efi_file_info;

/* UEFI 2.10 §12.9: graphics output protocol. */
enum efi_pixel_format { EFI_PIXEL_RGBX8 = 0, EFI_PIXEL_BGRX8 = 1, EFI_PIXEL_BITMASK = 2,
                        EFI_PIXEL_BLT_ONLY = 3 };
typedef struct {
    uint32_t version;
    uint32_t horizontal_resolution, vertical_resolution;
    uint32_t pixel_format;
    uint32_t red_mask, green_mask, blue_mask, reserved_mask;
    uint32_t pixels_per_scan_line;
} efi_gop_mode_info;

typedef struct {
    uint32_t max_mode, mode;
    efi_gop_mode_info *info;
    uint64_t size_of_info;
    efi_phys_addr frame_buffer_base;
    uint64_t frame_buffer_size;
} efi_gop_mode;

typedef struct {
    void *query_mode, *set_mode, *blt;
    efi_gop_mode *mode;
} efi_gop;

#define EFI_LOADED_IMAGE_GUID \
    { 0x5b1b31a1, 0x9562, 0x11d2, { 0x8e, 0x3f, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } }
#define EFI_SIMPLE_FILE_SYSTEM_GUID \
    { 0x964e5b22, 0x6459, 0x11d2, { 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } }
#define EFI_FILE_INFO_GUID \
    { 0x09576e92, 0x6d3f, 0x11d2, { 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } }
#define EFI_GOP_GUID \
    { 0x9042a9de, 0x23dc, 0x4a38, { 0x96, 0xfb, 0x7a, 0xde, 0xd0, 0x80, 0x51, 0x6a } }
#define EFI_ACPI_20_TABLE_GUID \
    { 0x8868e871, 0xe4f1, 0x11d3, { 0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 } }
#define EFI_ACPI_10_TABLE_GUID \
    { 0xeb9d2d30, 0x2d88, 0x11d3, { 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d } }

#endif
