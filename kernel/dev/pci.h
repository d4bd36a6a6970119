/*
 * kernel/dev/pci.h — PCI and PCI Express devices.
 *
 * pci_init() walks every bus through ECAM (the ACPI MCFG windows; PCI
 * Express Base 5.0 §7.2.2), or the legacy 0xCF8/0xCFC ports when there is no
 * MCFG, and records each function with its IDs, class and sized BARs. Drivers
 * register a struct pci_driver; its probe() is called for every matching
 * function found before or after registration.
 *
 * A driver typically: pci_enable(dev) (memory decoding, bus mastering),
 * pci_map_bar(dev, n) for registers, pci_find_cap() for its capabilities and
 * pci_msix_enable() for interrupts (MSI as the fallback).
 */
#ifndef KPIO_PCI_H
#define KPIO_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/list.h"

#define PCI_CAP_MSI    0x05
#define PCI_CAP_VENDOR 0x09
#define PCI_CAP_MSIX   0x11

struct pci_bar {
    uint64_t phys;              /* 0 if unused */
    uint64_t size;
    bool io;                    /* I/O ports (phys is the port) */
    bool is64, prefetchable;
    void *virt;                 /* after pci_map_bar */
};

struct pci_driver;

struct pci_dev {
    uint16_t segment;
    uint8_t bus, slot, func;
    uint16_t vendor, device;
    uint16_t subsys_vendor, subsys_id;
    uint8_t class_code, subclass, prog_if, revision;
    uint8_t header_type;        /* 0 device, 1 bridge */
    uint8_t irq_pin;
    struct pci_bar bar[6];
    const struct pci_driver *driver;
    void *driver_data;
    unsigned msix_count;        /* vectors enabled by pci_msix_enable */
    struct list_node node;
};

struct pci_driver {
    const char *name;
    /* Matching: a vendor/device pair (0xffff = any), or a class (0xff = any). */
    uint16_t vendor, device;
    uint8_t class_code, subclass;
    /* Take the device: 0, or a negative errno (the device stays free). */
    int (*probe)(struct pci_dev *dev);
    struct list_node node;
};

#define PCI_ANY_ID    0xffff
#define PCI_ANY_CLASS 0xff

/* Enumerate every bus. Returns the number of functions found. */
int pci_init(void);
/* Probe drv against the devices found (now and by later pci_init calls). */
void pci_register_driver(struct pci_driver *drv);
/* Iterate: NULL for the first; NULL after the last. */
struct pci_dev *pci_next(struct pci_dev *prev);

uint8_t pci_read8(struct pci_dev *dev, uint16_t off);
uint16_t pci_read16(struct pci_dev *dev, uint16_t off);
uint32_t pci_read32(struct pci_dev *dev, uint16_t off);
void pci_write16(struct pci_dev *dev, uint16_t off, uint16_t v);
void pci_write32(struct pci_dev *dev, uint16_t off, uint32_t v);

/* Turn on memory and I/O decoding and bus mastering. */
void pci_enable(struct pci_dev *dev);
/* Map a memory BAR (uncached); the pointer, or NULL. Mapped once, kept. */
void *pci_map_bar(struct pci_dev *dev, unsigned n);
/* Offset of the first capability `id` after `after` (0 = from the start), or 0. */
uint8_t pci_find_cap(struct pci_dev *dev, uint8_t id, uint8_t after);

/* Interrupts: n vectors through MSI-X (entries 0..n-1 -> vectors[0..n-1],
 * all aimed at the calling CPU), or one through MSI when the device has no
 * MSI-X (n must be 1 then). Returns how many entries were set up, or -errno. */
int pci_msix_enable(struct pci_dev *dev, unsigned n, const int *vectors);
/* Mask/unmask one MSI-X entry. */
void pci_msix_mask(struct pci_dev *dev, unsigned entry, bool masked);
/* Vectors the device can take through MSI-X (0 if no MSI-X). */
unsigned pci_msix_table_size(struct pci_dev *dev);

/* "Mass storage controller" etc. for listings. */
const char *pci_class_name(uint8_t class_code, uint8_t subclass);

/* The monitor's lspci. */
void pci_register_commands(void);

#endif
