// The four codecs Kafka batches use, from Debian's -dev packages (zlib1g-dev, libsnappy-dev,
// liblz4-dev, libzstd-dev).
#include <zlib.h>
#include <snappy-c.h>
#include <lz4frame.h>
#include <zstd.h>

// zlib's inflateInit2 is a macro; Swift imports functions only.
static inline int rewind_inflate_init(z_stream *stream) { return inflateInit2(stream, 15 + 32); /* gzip or zlib header */ }
