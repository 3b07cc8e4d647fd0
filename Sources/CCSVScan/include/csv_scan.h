#ifndef TRIPSTREAM_CSV_SCAN_H
#define TRIPSTREAM_CSV_SCAN_H

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Bit i set when p[i] is one of the CSV tokenizer's special bytes: comma, double quote, LF or CR.
/// Reads exactly 64 bytes from p (unaligned). SSE2 on x86-64 (its baseline); a byte loop elsewhere.
static inline uint64_t tripstream_csv_specials64(const uint8_t *p) {
#if defined(__SSE2__)
    const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"');
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    uint64_t mask = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, quote)),
                                   _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
        mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(hit) << (16 * k);
    }
    return mask;
#else
    uint64_t mask = 0;
    for (int i = 0; i < 64; i++) {
        uint8_t b = p[i];
        if (b == ',' || b == '"' || b == '\n' || b == '\r') mask |= (uint64_t)1 << i;
    }
    return mask;
#endif
}

/// The same for the last `n` (< 64) bytes of a buffer: copied to a zeroed block first, so nothing past
/// p[n - 1] is read (zero bytes are not special).
static inline uint64_t tripstream_csv_specials_tail(const uint8_t *p, int n) {
    uint8_t block[64] = {0};
    memcpy(block, p, (size_t)n);
    return tripstream_csv_specials64(block);
}

#endif
