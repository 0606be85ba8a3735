#ifndef REWIND_CRC32C_H
#define REWIND_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Extends `crc` (0 to start) over `length` bytes: CRC-32C (Castagnoli), as Kafka's RecordBatch v2 uses.
/// Uses the SSE4.2 instruction when the CPU has it, else an 8-table software fallback.
uint32_t rewind_crc32c_extend(uint32_t crc, const void *bytes, size_t length);

/// The software path alone, so tests can check both paths agree.
uint32_t rewind_crc32c_extend_portable(uint32_t crc, const void *bytes, size_t length);

/// 1 when the hardware path is in use.
int rewind_crc32c_is_hardware(void);

/// CRC-32 (IEEE 802.3, reflected 0xEDB88320): the checksum of Kafka's legacy (magic 0/1) messages.
uint32_t rewind_crc32_ieee(uint32_t crc, const void *bytes, size_t length);

#endif
