// The one place that calls libgpiod. It compiles against API v1 (libgpiod 1.6, Debian 12) and
// API v2 (libgpiod 2.x, Debian 13), and without libgpiod at all (every call returns -ENOSYS).
// Every function that can fail returns a negative errno.
#pragma once
#include <stdint.h>

typedef struct traction_gpio_line traction_gpio_line;

/// 1 or 2: the libgpiod API this was compiled against; 0: built without libgpiod.
int traction_gpio_api_version(void);

/// Requests one line as an output with an initial level. NULL on failure, with *err = errno.
traction_gpio_line *traction_gpio_request_output(const char *chip_path, unsigned int offset, int initial_high,
                                                 const char *consumer, int *err);

/// Requests one line as an input. edge: 0 none, 1 rising, 2 falling, 3 both.
traction_gpio_line *traction_gpio_request_input(const char *chip_path, unsigned int offset, int edge,
                                                const char *consumer, int *err);

/// 0 or -errno.
int traction_gpio_set(traction_gpio_line *line, int high);

/// 0 (low), 1 (high) or -errno.
int traction_gpio_get(traction_gpio_line *line);

/// Waits for one edge. 1: an event (rising set to 1 or 0, timestamp in ns), 0: timeout, -errno.
int traction_gpio_wait_edge(traction_gpio_line *line, int64_t timeout_ns, int *rising, uint64_t *timestamp_ns);

/// Releases the line (it returns to its default state) and frees the handle. NULL is fine.
void traction_gpio_release(traction_gpio_line *line);
