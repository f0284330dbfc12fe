#include "gpio_shim.h"
#include <errno.h>
#include <stddef.h>

// Placeholder until the real shim lands: behaves as a build without libgpiod.
int traction_gpio_api_version(void) { return 0; }
traction_gpio_line *traction_gpio_request_output(const char *c, unsigned int o, int i, const char *n, int *err) {
  (void)c; (void)o; (void)i; (void)n; if (err) *err = ENOSYS; return NULL;
}
traction_gpio_line *traction_gpio_request_input(const char *c, unsigned int o, int e, const char *n, int *err) {
  (void)c; (void)o; (void)e; (void)n; if (err) *err = ENOSYS; return NULL;
}
int traction_gpio_set(traction_gpio_line *l, int h) { (void)l; (void)h; return -ENOSYS; }
int traction_gpio_get(traction_gpio_line *l) { (void)l; return -ENOSYS; }
int traction_gpio_wait_edge(traction_gpio_line *l, int64_t t, int *r, uint64_t *ts) { (void)l; (void)t; (void)r; (void)ts; return -ENOSYS; }
void traction_gpio_release(traction_gpio_line *l) { (void)l; }
