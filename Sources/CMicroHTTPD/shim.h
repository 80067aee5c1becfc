/* CMicroHTTPD: the libmicrohttpd headers, seen from Swift only through Sources/HTTPServer. */
#include <stdint.h>
#include <stdarg.h>
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <microhttpd.h>
