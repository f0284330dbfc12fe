// libgpiod, API v1 (Debian 12) or v2 (Debian 13). Swift never calls it directly: GPIOShim does.
#pragma once
#include <gpiod.h>
