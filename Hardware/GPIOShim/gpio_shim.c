// The one C file that calls libgpiod. Three builds:
//  - without TRACTION_HAVE_GPIOD (no trait, not Linux, no -dev package): every call is -ENOSYS;
//  - libgpiod 1.x (API v1, Debian 12): told apart by GPIOD_LINE_BULK_MAX_LINES, which every 1.x
//    header defines and no 2.x header does (neither generation has a version macro);
//  - libgpiod 2.x (API v2, Debian 13).
// Every failure returns a negative errno (request functions: NULL and a positive errno in *err,
// as gpio_shim.h documents). libgpiod reports failures through errno; a call that fails without
// setting it is reported as EIO so that no failure ever reads as success.
#include "gpio_shim.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#if defined(TRACTION_HAVE_GPIOD)
#include <gpiod.h>
#include <time.h>

static int traction_errno_or_eio(void) { return errno > 0 ? errno : EIO; }

#if defined(GPIOD_LINE_BULK_MAX_LINES)
// ---------------------------------------------------------------- API v1 (libgpiod 1.x)

struct traction_gpio_line {
  struct gpiod_chip *chip;
  struct gpiod_line *line;
};

int traction_gpio_api_version(void) { return 1; }

static traction_gpio_line *traction_v1_open(const char *chip_path, unsigned int offset, int *err) {
  traction_gpio_line *handle = calloc(1, sizeof(*handle));
  if (handle == NULL) {
    if (err) *err = ENOMEM;
    return NULL;
  }
  errno = 0;
  handle->chip = gpiod_chip_open(chip_path);
  if (handle->chip == NULL) {
    if (err) *err = traction_errno_or_eio();
    free(handle);
    return NULL;
  }
  errno = 0;
  handle->line = gpiod_chip_get_line(handle->chip, offset);
  if (handle->line == NULL) {
    if (err) *err = traction_errno_or_eio();
    gpiod_chip_close(handle->chip);
    free(handle);
    return NULL;
  }
  return handle;
}

static traction_gpio_line *traction_v1_finish(traction_gpio_line *handle, int rc, int *err) {
  if (rc < 0) {
    int code = traction_errno_or_eio();
    gpiod_chip_close(handle->chip);
    free(handle);
    if (err) *err = code;
    return NULL;
  }
  if (err) *err = 0;
  return handle;
}

traction_gpio_line *traction_gpio_request_output(const char *chip_path, unsigned int offset, int initial_high,
                                                 const char *consumer, int *err) {
  traction_gpio_line *handle = traction_v1_open(chip_path, offset, err);
  if (handle == NULL) return NULL;
  errno = 0;
  int rc = gpiod_line_request_output(handle->line, consumer, initial_high ? 1 : 0);
  return traction_v1_finish(handle, rc, err);
}

traction_gpio_line *traction_gpio_request_input(const char *chip_path, unsigned int offset, int edge,
                                                const char *consumer, int *err) {
  if (edge < 0 || edge > 3) {
    if (err) *err = EINVAL;
    return NULL;
  }
  traction_gpio_line *handle = traction_v1_open(chip_path, offset, err);
  if (handle == NULL) return NULL;
  errno = 0;
  int rc;
  switch (edge) {
    case 1: rc = gpiod_line_request_rising_edge_events(handle->line, consumer); break;
    case 2: rc = gpiod_line_request_falling_edge_events(handle->line, consumer); break;
    case 3: rc = gpiod_line_request_both_edges_events(handle->line, consumer); break;
    default: rc = gpiod_line_request_input(handle->line, consumer); break;
  }
  return traction_v1_finish(handle, rc, err);
}

int traction_gpio_set(traction_gpio_line *line, int high) {
  if (line == NULL) return -EINVAL;
  errno = 0;
  if (gpiod_line_set_value(line->line, high ? 1 : 0) < 0) return -traction_errno_or_eio();
  return 0;
}

int traction_gpio_get(traction_gpio_line *line) {
  if (line == NULL) return -EINVAL;
  errno = 0;
  int value = gpiod_line_get_value(line->line);
  if (value < 0) return -traction_errno_or_eio();
  return value ? 1 : 0;
}

int traction_gpio_wait_edge(traction_gpio_line *line, int64_t timeout_ns, int *rising, uint64_t *timestamp_ns) {
  if (line == NULL) return -EINVAL;
  errno = 0;
  int rc;
  if (timeout_ns < 0) {
    // v1 has no "forever": a very long wait, repeated, is the same thing.
    struct timespec day = {.tv_sec = 86400, .tv_nsec = 0};
    do {
      rc = gpiod_line_event_wait(line->line, &day);
    } while (rc == 0);
  } else {
    struct timespec timeout = {.tv_sec = (time_t)(timeout_ns / 1000000000),
                               .tv_nsec = (long)(timeout_ns % 1000000000)};
    rc = gpiod_line_event_wait(line->line, &timeout);
  }
  if (rc < 0) return -traction_errno_or_eio();
  if (rc == 0) return 0;
  struct gpiod_line_event event;
  errno = 0;
  if (gpiod_line_event_read(line->line, &event) < 0) return -traction_errno_or_eio();
  if (rising) *rising = event.event_type == GPIOD_LINE_EVENT_RISING_EDGE ? 1 : 0;
  if (timestamp_ns) *timestamp_ns = (uint64_t)event.ts.tv_sec * 1000000000u + (uint64_t)event.ts.tv_nsec;
  return 1;
}

void traction_gpio_release(traction_gpio_line *line) {
  if (line == NULL) return;
  gpiod_line_release(line->line);
  gpiod_chip_close(line->chip);
  free(line);
}

#else
// ---------------------------------------------------------------- API v2 (libgpiod 2.x)

struct traction_gpio_line {
  struct gpiod_line_request *request;
  struct gpiod_edge_event_buffer *events;  // NULL for outputs and inputs without edges
  unsigned int offset;
};

int traction_gpio_api_version(void) { return 2; }

// Builds settings → line config + request config → request, freeing every intermediate object.
static traction_gpio_line *traction_v2_request(const char *chip_path, unsigned int offset,
                                              struct gpiod_line_settings *settings, int with_events,
                                              const char *consumer, int *err) {
  traction_gpio_line *handle = NULL;
  struct gpiod_chip *chip = NULL;
  struct gpiod_line_config *line_config = NULL;
  struct gpiod_request_config *request_config = NULL;
  int code = 0;

  handle = calloc(1, sizeof(*handle));
  if (handle == NULL) {
    code = ENOMEM;
    goto fail;
  }
  handle->offset = offset;
  errno = 0;
  chip = gpiod_chip_open(chip_path);
  if (chip == NULL) {
    code = traction_errno_or_eio();
    goto fail;
  }
  errno = 0;
  line_config = gpiod_line_config_new();
  request_config = gpiod_request_config_new();
  if (line_config == NULL || request_config == NULL) {
    code = traction_errno_or_eio();
    goto fail;
  }
  if (gpiod_line_config_add_line_settings(line_config, &offset, 1, settings) < 0) {
    code = traction_errno_or_eio();
    goto fail;
  }
  if (consumer != NULL) gpiod_request_config_set_consumer(request_config, consumer);
  errno = 0;
  handle->request = gpiod_chip_request_lines(chip, request_config, line_config);
  if (handle->request == NULL) {
    code = traction_errno_or_eio();
    goto fail;
  }
  if (with_events) {
    errno = 0;
    handle->events = gpiod_edge_event_buffer_new(1);
    if (handle->events == NULL) {
      code = traction_errno_or_eio();
      goto fail;
    }
  }
  // The request keeps its own file descriptor: the chip handle is no longer needed.
  gpiod_request_config_free(request_config);
  gpiod_line_config_free(line_config);
  gpiod_chip_close(chip);
  if (err) *err = 0;
  return handle;

fail:
  if (handle != NULL) {
    if (handle->request != NULL) gpiod_line_request_release(handle->request);
    free(handle);
  }
  if (request_config != NULL) gpiod_request_config_free(request_config);
  if (line_config != NULL) gpiod_line_config_free(line_config);
  if (chip != NULL) gpiod_chip_close(chip);
  if (err) *err = code;
  return NULL;
}

traction_gpio_line *traction_gpio_request_output(const char *chip_path, unsigned int offset, int initial_high,
                                                 const char *consumer, int *err) {
  errno = 0;
  struct gpiod_line_settings *settings = gpiod_line_settings_new();
  if (settings == NULL) {
    if (err) *err = traction_errno_or_eio();
    return NULL;
  }
  if (gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT) < 0 ||
      gpiod_line_settings_set_output_value(
          settings, initial_high ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) < 0) {
    if (err) *err = traction_errno_or_eio();
    gpiod_line_settings_free(settings);
    return NULL;
  }
  traction_gpio_line *handle = traction_v2_request(chip_path, offset, settings, 0, consumer, err);
  gpiod_line_settings_free(settings);
  return handle;
}

traction_gpio_line *traction_gpio_request_input(const char *chip_path, unsigned int offset, int edge,
                                                const char *consumer, int *err) {
  enum gpiod_line_edge detection;
  switch (edge) {
    case 0: detection = GPIOD_LINE_EDGE_NONE; break;
    case 1: detection = GPIOD_LINE_EDGE_RISING; break;
    case 2: detection = GPIOD_LINE_EDGE_FALLING; break;
    case 3: detection = GPIOD_LINE_EDGE_BOTH; break;
    default:
      if (err) *err = EINVAL;
      return NULL;
  }
  errno = 0;
  struct gpiod_line_settings *settings = gpiod_line_settings_new();
  if (settings == NULL) {
    if (err) *err = traction_errno_or_eio();
    return NULL;
  }
  if (gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT) < 0 ||
      gpiod_line_settings_set_edge_detection(settings, detection) < 0 ||
      (edge != 0 && gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC) < 0)) {
    if (err) *err = traction_errno_or_eio();
    gpiod_line_settings_free(settings);
    return NULL;
  }
  traction_gpio_line *handle = traction_v2_request(chip_path, offset, settings, edge != 0, consumer, err);
  gpiod_line_settings_free(settings);
  return handle;
}

int traction_gpio_set(traction_gpio_line *line, int high) {
  if (line == NULL) return -EINVAL;
  errno = 0;
  if (gpiod_line_request_set_value(line->request, line->offset,
                                   high ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) < 0)
    return -traction_errno_or_eio();
  return 0;
}

int traction_gpio_get(traction_gpio_line *line) {
  if (line == NULL) return -EINVAL;
  errno = 0;
  enum gpiod_line_value value = gpiod_line_request_get_value(line->request, line->offset);
  if (value == GPIOD_LINE_VALUE_ERROR) return -traction_errno_or_eio();
  return value == GPIOD_LINE_VALUE_ACTIVE ? 1 : 0;
}

int traction_gpio_wait_edge(traction_gpio_line *line, int64_t timeout_ns, int *rising, uint64_t *timestamp_ns) {
  if (line == NULL) return -EINVAL;
  if (line->events == NULL) return -EINVAL;  // requested without edge detection
  errno = 0;
  int rc = gpiod_line_request_wait_edge_events(line->request, timeout_ns);
  if (rc < 0) return -traction_errno_or_eio();
  if (rc == 0) return 0;
  errno = 0;
  int count = gpiod_line_request_read_edge_events(line->request, line->events, 1);
  if (count < 0) return -traction_errno_or_eio();
  if (count == 0) return 0;
  struct gpiod_edge_event *event = gpiod_edge_event_buffer_get_event(line->events, 0);
  if (event == NULL) return -EIO;
  if (rising) *rising = gpiod_edge_event_get_event_type(event) == GPIOD_EDGE_EVENT_RISING_EDGE ? 1 : 0;
  if (timestamp_ns) *timestamp_ns = gpiod_edge_event_get_timestamp_ns(event);
  return 1;
}

void traction_gpio_release(traction_gpio_line *line) {
  if (line == NULL) return;
  if (line->request != NULL) gpiod_line_request_release(line->request);
  if (line->events != NULL) gpiod_edge_event_buffer_free(line->events);
  free(line);
}

#endif  // API v1 / v2

#else
// ---------------------------------------------------------------- no libgpiod in this build

int traction_gpio_api_version(void) { return 0; }

traction_gpio_line *traction_gpio_request_output(const char *chip_path, unsigned int offset, int initial_high,
                                                 const char *consumer, int *err) {
  (void)chip_path;
  (void)offset;
  (void)initial_high;
  (void)consumer;
  if (err) *err = ENOSYS;
  return NULL;
}

traction_gpio_line *traction_gpio_request_input(const char *chip_path, unsigned int offset, int edge,
                                                const char *consumer, int *err) {
  (void)chip_path;
  (void)offset;
  (void)edge;
  (void)consumer;
  if (err) *err = ENOSYS;
  return NULL;
}

int traction_gpio_set(traction_gpio_line *line, int high) {
  (void)line;
  (void)high;
  return -ENOSYS;
}

int traction_gpio_get(traction_gpio_line *line) {
  (void)line;
  return -ENOSYS;
}

int traction_gpio_wait_edge(traction_gpio_line *line, int64_t timeout_ns, int *rising, uint64_t *timestamp_ns) {
  (void)line;
  (void)timeout_ns;
  (void)rising;
  (void)timestamp_ns;
  return -ENOSYS;
}

void traction_gpio_release(traction_gpio_line *line) { (void)line; }

#endif  // TRACTION_HAVE_GPIOD
