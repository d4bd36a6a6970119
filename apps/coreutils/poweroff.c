/*
 * poweroff, reboot — turn the machine off, or restart it.
 *
 *   poweroff
 *   reboot
 *
 * One program under two names (argv[0] says which). Every other program is
 * stopped, file systems are written back, then the machine goes off or
 * restarts (kpio_sys_power). Needs the system permission, which packaged
 * apps do not have.
 */
#include <kpio.h>
#include <string.h>

#include "app.h"

int main(int argc, char **argv)
{
    const char *name = app_basename(argc > 0 ? argv[0] : "poweroff");
    bool reboot = strncmp(name, "reboot", 6) == 0;
    app_init(reboot ? "reboot" : "poweroff");
    if (argc > 1)
        app_usage(1, "(no arguments)");
    kpio_errno e = kpio_sys_power(reboot ? KPIO_POWER_REBOOT : KPIO_POWER_OFF);
    app_die(1, "%s", e == KPIO_EPERM ? "not allowed (no system permission)" : kpio_strerror(e));
}
