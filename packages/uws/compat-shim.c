/* glibc < 2.38 lacks the C23 entry points GCC 13+ emits for strtol & co (see compat.cjs). The C23
 * versions also accept a "0b" prefix; uWebSockets.js never parses one, so the classic ones suffice. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

long __isoc23_strtol(const char *s, char **end, int base) { return strtol(s, end, base); }
long long __isoc23_strtoll(const char *s, char **end, int base) { return strtoll(s, end, base); }
unsigned long __isoc23_strtoul(const char *s, char **end, int base) { return strtoul(s, end, base); }
unsigned long long __isoc23_strtoull(const char *s, char **end, int base) { return strtoull(s, end, base); }
int __isoc23_sscanf(const char *s, const char *format, ...) {
  va_list args;
  va_start(args, format);
  int n = vsscanf(s, format, args);
  va_end(args);
  return n;
}

/* Node keeps a library it dlopen()ed only when it registers as an addon: an empty Node-API one. */
void *napi_register_module_v1(void *env, void *exports) { (void)env; return exports; }
int node_api_module_get_api_version_v1(void) { return 8; }
