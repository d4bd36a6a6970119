/*
 * kernel/dev/rtc.c — the CMOS real-time clock: registers 0x00 seconds, 0x02
 * minutes, 0x04 hours, 0x07 day, 0x08 month, 0x09 year, 0x0a status A (bit 7:
 * update in progress), 0x0b status B (bit 2: binary, bit 1: 24-hour).
 */
#include "lib/lib.h"
#include "core/log.h"
#include "dev/clocks.h"
#include "arch/x86_64/cpu.h"

#define CMOS_ADDR 0x70
#define CMOS_DATA 0x71

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_ADDR, (uint8_t)(0x80 | reg));     /* bit 7: keep NMIs disabled while we read */
    return inb(CMOS_DATA);
}

struct rtc_time {
    uint8_t sec, min, hour, day, month, year, century;
};

static void read_raw(struct rtc_time *t, uint8_t century_reg)
{
    for (int tries = 0; tries < 1000000 && (cmos_read(0x0a) & 0x80); tries++)
        cpu_pause();
    t->sec = cmos_read(0x00);
    t->min = cmos_read(0x02);
    t->hour = cmos_read(0x04);
    t->day = cmos_read(0x07);
    t->month = cmos_read(0x08);
    t->year = cmos_read(0x09);
    t->century = century_reg ? cmos_read(century_reg) : 0;
}

static unsigned bcd(uint8_t v) { return (v & 0x0f) + (v >> 4) * 10u; }

int64_t rtc_read_unix(uint8_t century_reg)
{
    struct rtc_time a, b;
    /* Read until two reads agree, so an update between bytes cannot tear it. */
    read_raw(&a, century_reg);
    for (int i = 0; i < 5; i++) {
        read_raw(&b, century_reg);
        if (memcmp(&a, &b, sizeof a) == 0)
            break;
        a = b;
    }
    uint8_t status_b = cmos_read(0x0b);
    bool binary = status_b & 0x04, h24 = status_b & 0x02;
    bool pm = a.hour & 0x80;
    unsigned sec = binary ? a.sec : bcd(a.sec);
    unsigned min = binary ? a.min : bcd(a.min);
    unsigned hour = binary ? (a.hour & 0x7f) : bcd(a.hour & 0x7f);
    unsigned day = binary ? a.day : bcd(a.day);
    unsigned month = binary ? a.month : bcd(a.month);
    unsigned year = binary ? a.year : bcd(a.year);
    unsigned century = a.century ? (binary ? a.century : bcd(a.century)) : 20;
    if (!h24) {
        hour %= 12;
        if (pm)
            hour += 12;
    }
    if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || month < 1 || month > 12 ||
        year > 99 || century < 19 || century > 99) {
        log_warn("rtc: nonsense date %u%02u-%02u-%02u %02u:%02u:%02u", century, year, month, day,
                 hour, min, sec);
        return -1;
    }
    int64_t days = rtc_days_from_civil((int64_t)century * 100 + year, month, day);
    return days * 86400 + hour * 3600 + min * 60 + sec;
}
