# guest.run=boot: how long the boot to this shell took.
boot-report
