/*
 * kernel/dev/fbcon.c — the framebuffer text console.
 *
 * Drawing goes straight to the framebuffer through the direct map; there is
 * no shadow copy. When the cursor passes the bottom line the screen scrolls
 * by a quarter of its height at once: under QEMU's TCG a scroll moves the
 * whole framebuffer (about 2 MB at 800x600), so doing it once per several
 * lines keeps long output (and the boot) fast.
 */
#include "dev/fbcon.h"
#include "core/console.h"
#include "lib/lib.h"

#define GLYPH_W 8
#define GLYPH_H 16

extern const uint8_t font8x16[128][16];

/* ANSI colours 0-7 as 0xRRGGBB (normal intensity). */
static const uint32_t ansi_rgb[8] = {
    0x000000, 0xaa0000, 0x00aa00, 0xaa5500, 0x0000aa, 0xaa00aa, 0x00aaaa, 0xaaaaaa,
};
#define DEFAULT_FG 7
#define DEFAULT_BG 0

static struct {
    bool active;
    uint8_t *base;
    uint32_t pitch, format;
    unsigned cols, rows;
    unsigned x, y;              /* cursor cell */
    uint32_t fg, bg;            /* pixel values in the framebuffer's format */
    /* ANSI escape parser: ESC [ p1 ; p2 ... letter */
    int esc_state;              /* 0 none, 1 after ESC, 2 inside CSI */
    unsigned params[4], param_count;
} con;

static uint32_t pixel(uint32_t rgb)
{
    if (con.format == KPIO_FB_RGBX8888)     /* byte 0 red */
        return (rgb >> 16 & 0xff) | (rgb & 0xff00) | (rgb & 0xff) << 16;
    return rgb;                             /* BGRX: byte 0 blue, the 0xRRGGBB layout */
}

static uint32_t *row_pixels(unsigned pixel_row)
{
    return (uint32_t *)(con.base + (size_t)pixel_row * con.pitch);
}

static void draw_cell(unsigned cx, unsigned cy, unsigned char c)
{
    const uint8_t *glyph = font8x16[c < 0x80 && (c >= 0x20) ? c : 0x7f];
    for (unsigned r = 0; r < GLYPH_H; r++) {
        uint32_t *p = row_pixels(cy * GLYPH_H + r) + cx * GLYPH_W;
        uint8_t bits = glyph[r];
        for (unsigned b = 0; b < GLYPH_W; b++)
            p[b] = (bits & (0x80 >> b)) ? con.fg : con.bg;
    }
}

/* Fill cells [x0, x1) of text row cy with the background. */
static void clear_cells(unsigned cy, unsigned x0, unsigned x1)
{
    for (unsigned r = 0; r < GLYPH_H; r++) {
        uint32_t *p = row_pixels(cy * GLYPH_H + r);
        for (unsigned px = x0 * GLYPH_W; px < x1 * GLYPH_W; px++)
            p[px] = con.bg;
    }
}

static void clear_screen(void)
{
    for (unsigned y = 0; y < con.rows; y++)
        clear_cells(y, 0, con.cols);
    con.x = con.y = 0;
}

/* Move the text up by n lines and blank the bottom n. */
static void scroll(unsigned n)
{
    size_t line_bytes = (size_t)con.pitch * GLYPH_H;
    memmove(con.base, con.base + n * line_bytes, (con.rows - n) * line_bytes);
    for (unsigned y = con.rows - n; y < con.rows; y++)
        clear_cells(y, 0, con.cols);
    con.y -= n;
}

static void newline(void)
{
    con.x = 0;
    if (++con.y >= con.rows)
        scroll(con.rows >= 8 ? con.rows / 4 : 1);
}

/* SGR (ESC [ ... m): 0 reset, 30-37 foreground, 40-47 background. */
static void set_rendition(void)
{
    if (con.param_count == 0)
        con.params[con.param_count++] = 0;
    for (unsigned i = 0; i < con.param_count; i++) {
        unsigned p = con.params[i];
        if (p == 0) {
            con.fg = pixel(ansi_rgb[DEFAULT_FG]);
            con.bg = pixel(ansi_rgb[DEFAULT_BG]);
        } else if (p >= 30 && p <= 37) {
            con.fg = pixel(ansi_rgb[p - 30]);
        } else if (p >= 40 && p <= 47) {
            con.bg = pixel(ansi_rgb[p - 40]);
        }
    }
}

/* Act on a complete CSI sequence ending in letter. Unknown ones are ignored. */
static void csi(char letter)
{
    unsigned n = con.param_count && con.params[0] ? con.params[0] : 1;
    switch (letter) {
    case 'C': con.x = MIN(con.x + n, con.cols - 1); break;
    case 'D': con.x = con.x > n ? con.x - n : 0; break;
    case 'K': clear_cells(con.y, con.x, con.cols); break;
    case 'J': if (con.param_count && con.params[0] == 2) clear_screen(); break;
    case 'H': con.x = con.y = 0; break;
    case 'm': set_rendition(); break;
    default: break;
    }
}

static void put_char(char ch)
{
    unsigned char c = (unsigned char)ch;
    if (con.esc_state == 1) {
        con.esc_state = c == '[' ? 2 : 0;
        con.param_count = 0;
        memset(con.params, 0, sizeof(con.params));
        return;
    }
    if (con.esc_state == 2) {
        if (c >= '0' && c <= '9') {
            if (con.param_count == 0)
                con.param_count = 1;
            unsigned *p = &con.params[con.param_count - 1];
            *p = MIN(*p * 10 + (c - '0'), 9999u);
        } else if (c == ';') {
            if (con.param_count == 0)
                con.param_count = 1;
            if (con.param_count < ARRAY_SIZE(con.params))
                con.param_count++;
        } else if (c >= 0x40 && c <= 0x7e) {
            con.esc_state = 0;
            csi((char)c);
        } else if (c != '?') {
            con.esc_state = 0;      /* malformed: drop it */
        }
        return;
    }
    switch (c) {
    case 0x1b: con.esc_state = 1; return;
    case '\n': newline(); return;
    case '\r': con.x = 0; return;
    case '\b': if (con.x) con.x--; return;
    case '\t':
        do
            put_char(' ');
        while (con.x % 8);
        return;
    case '\a': return;
    default: break;
    }
    if (con.x >= con.cols)
        newline();
    draw_cell(con.x, con.y, c);
    con.x++;
}

static void fbcon_write(struct console *c, const char *s, size_t n)
{
    (void)c;
    for (size_t i = 0; i < n; i++)
        put_char(s[i]);
}

static struct console fb_console = { .name = "fb", .write = fbcon_write };

bool fbcon_init(const struct kpio_framebuffer *fb)
{
    if (fb->format != KPIO_FB_BGRX8888 && fb->format != KPIO_FB_RGBX8888)
        return false;
    if (fb->width < GLYPH_W * 20 || fb->height < GLYPH_H * 5 || fb->pitch < fb->width * 4 ||
        (uint64_t)fb->pitch * fb->height > fb->size)
        return false;
    con.base = (uint8_t *)(uintptr_t)(KPIO_DIRECT_MAP_BASE + fb->phys_base);
    con.pitch = fb->pitch;
    con.format = fb->format;
    con.cols = fb->width / GLYPH_W;
    con.rows = fb->height / GLYPH_H;
    con.fg = pixel(ansi_rgb[DEFAULT_FG]);
    con.bg = pixel(ansi_rgb[DEFAULT_BG]);
    clear_screen();
    con.active = true;
    console_register(&fb_console);
    return true;
}

bool fbcon_active(void)
{
    return con.active;
}
