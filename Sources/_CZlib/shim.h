// zlib (Debian zlib1g-dev): inflate for gzip-compressed data files.
#include <zlib.h>
