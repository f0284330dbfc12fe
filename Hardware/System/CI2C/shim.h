// libi2c (i2c-tools) and the kernel's i2c-dev interface. libi2c ships no pkg-config file.
#pragma once
#include <sys/ioctl.h>
#include <linux/i2c.h>
#include <linux/i2c-dev.h>
#include <i2c/smbus.h>
