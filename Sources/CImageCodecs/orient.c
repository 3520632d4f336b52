// Turning 8-bit images for an EXIF orientation. For one channel (gray, or a plane of a YCbCr image), mirrors
// and the 180° turn copy rows, and the four orientations that swap the axes (5-8) go through 8×8 blocks
// transposed in vector registers, so that both the rows read and the rows written stay contiguous instead of one
// side walking down a column a byte at a time. Interleaved pixels (2-4 channels) are copied pixel by pixel.

#include <string.h>

#include "CImageCodecs.h"

#if defined(__SSE2__)
#include <emmintrin.h>

/// Transposes the 8×8 block whose rows are the eight 8-byte `lines` into `out` (8 rows of 8 bytes each);
/// output row i goes to rows[i].
static inline void cimg_transpose8x8(const uint8_t *const lines[8], uint8_t *const rows[8]) {
    __m128i r[8];
    for (int j = 0; j < 8; j++) r[j] = _mm_loadl_epi64((const __m128i *)lines[j]);
    const __m128i t0 = _mm_unpacklo_epi8(r[0], r[1]), t1 = _mm_unpacklo_epi8(r[2], r[3]);
    const __m128i t2 = _mm_unpacklo_epi8(r[4], r[5]), t3 = _mm_unpacklo_epi8(r[6], r[7]);
    const __m128i u0 = _mm_unpacklo_epi16(t0, t1), u1 = _mm_unpackhi_epi16(t0, t1);
    const __m128i u2 = _mm_unpacklo_epi16(t2, t3), u3 = _mm_unpackhi_epi16(t2, t3);
    const __m128i v[4] = { _mm_unpacklo_epi32(u0, u2), _mm_unpackhi_epi32(u0, u2), _mm_unpacklo_epi32(u1, u3),
                           _mm_unpackhi_epi32(u1, u3) };
    for (int k = 0; k < 4; k++) {
        _mm_storel_epi64((__m128i *)rows[2 * k], v[k]);
        _mm_storel_epi64((__m128i *)rows[2 * k + 1], _mm_unpackhi_epi64(v[k], v[k]));
    }
}
#else
static inline void cimg_transpose8x8(const uint8_t *const lines[8], uint8_t *const rows[8]) {
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++) rows[i][j] = lines[j][i];
}
#endif

void cimg_orient(const uint8_t *source, int width, int height, int channels, int orientation, uint8_t *destination) {
    const ptrdiff_t w = width, h = height;
    // Output sample (x, y) is source[base + x * step_x + y * step_y], from the EXIF definition of each value.
    ptrdiff_t base, step_x, step_y;
    switch (orientation) {
    case 2: base = w - 1; step_x = -1; step_y = w; break;                     // mirror horizontally
    case 3: base = (h - 1) * w + w - 1; step_x = -1; step_y = -w; break;      // rotate 180°
    case 4: base = (h - 1) * w; step_x = 1; step_y = -w; break;               // mirror vertically
    case 5: base = 0; step_x = w; step_y = 1; break;                          // transpose
    case 6: base = (h - 1) * w; step_x = -w; step_y = 1; break;               // rotate 90° clockwise
    case 7: base = (h - 1) * w + w - 1; step_x = -w; step_y = -1; break;      // transverse
    case 8: base = w - 1; step_x = w; step_y = -1; break;                     // rotate 90° counter-clockwise
    default: memcpy(destination, source, (size_t)(w * h * channels)); return;
    }
    const ptrdiff_t out_w = orientation >= 5 ? h : w, out_h = orientation >= 5 ? w : h;
    if (channels != 1) {
        const size_t c = (size_t)channels;
        uint8_t *out = destination;
        for (ptrdiff_t y = 0; y < out_h; y++) {
            const uint8_t *in = source + (base + y * step_y) * channels;
            for (ptrdiff_t x = 0; x < out_w; x++, out += c, in += step_x * channels) memcpy(out, in, c);
        }
        return;
    }
    if (orientation < 5) {
        for (ptrdiff_t y = 0; y < out_h; y++) {
            const uint8_t *in = source + base + y * step_y;
            uint8_t *out = destination + y * out_w;
            if (step_x == 1) {
                memcpy(out, in, (size_t)out_w);
            } else {
                for (ptrdiff_t x = 0; x < out_w; x++) out[x] = in[-x];
            }
        }
        return;
    }
    // Swapped axes: along an output row the source steps by whole rows (step_x = ±w), down an output column by
    // one sample (step_y = ±1). Source line j of a block is the 8 samples output column bx + j takes from rows
    // by...by + 7; read forwards when step_y = 1, and as the 8 samples ending there when step_y = -1, in which
    // case the transposed rows come out bottom to top.
    const ptrdiff_t full_w = out_w / 8 * 8, full_h = out_h / 8 * 8;
    for (ptrdiff_t by = 0; by < full_h; by += 8) {
        uint8_t *rows[8];
        for (int i = 0; i < 8; i++) rows[step_y == 1 ? i : 7 - i] = destination + (by + i) * out_w;
        for (ptrdiff_t bx = 0; bx < full_w; bx += 8) {
            const uint8_t *lines[8];
            for (int j = 0; j < 8; j++) {
                const ptrdiff_t first = base + (bx + j) * step_x + by * step_y;
                lines[j] = source + (step_y == 1 ? first : first - 7);
            }
            uint8_t *out[8];
            for (int i = 0; i < 8; i++) out[i] = rows[i] + bx;
            cimg_transpose8x8(lines, out);
        }
        for (ptrdiff_t y = by; y < by + 8; y++)
            for (ptrdiff_t x = full_w; x < out_w; x++) destination[y * out_w + x] = source[base + x * step_x + y * step_y];
    }
    for (ptrdiff_t y = full_h; y < out_h; y++)
        for (ptrdiff_t x = 0; x < out_w; x++) destination[y * out_w + x] = source[base + x * step_x + y * step_y];
}
