/* lzfwrap.h - LZF compression from Debian's liblzf, or none.
 *
 * A build without liblzf-dev (make falls back with a warning) compiles these as
 * "never compresses" and "cannot decompress": quicklist nodes then stay
 * uncompressed whatever list-compress-depth says, and LZF-compressed data from
 * elsewhere (RDB files) is refused with an error instead of being misread. */
#ifndef VESPER_LZFWRAP_H
#define VESPER_LZFWRAP_H

#ifdef VESPER_NO_LZF
#include <errno.h>
static inline unsigned int lzf_compress(const void *in, unsigned int in_len, void *out, unsigned int out_len) {
    (void)in; (void)in_len; (void)out; (void)out_len;
    return 0; /* "does not fit": the caller keeps the data as it is */
}
static inline unsigned int lzf_decompress(const void *in, unsigned int in_len, void *out, unsigned int out_len) {
    (void)in; (void)in_len; (void)out; (void)out_len;
    errno = EINVAL;
    return 0;
}
#define VESPER_HAVE_LZF 0
#else
#include <lzf.h>
#define VESPER_HAVE_LZF 1
#endif

#endif
