#ifndef REWIND_CPREFETCH_H
#define REWIND_CPREFETCH_H

// Cache prefetch hints, which Swift has no spelling for. `static inline`: the Swift compiler
// inlines them, so a hint costs one instruction and never a call. A hint never faults, even on an
// address past an allocation.

/// Loads the cache line of `address` for writing, into every cache level.
static inline void rewind_prefetch_write(const void *address) { __builtin_prefetch(address, 1, 3); }

/// Loads the cache line of `address` for reading, into every cache level.
static inline void rewind_prefetch_read(const void *address) { __builtin_prefetch(address, 0, 3); }

#endif
