/* CZlib: zlib for .npz (deflate) and the .fbz container. */
#include <zlib.h>
