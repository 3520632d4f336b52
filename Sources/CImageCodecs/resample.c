// Inner loops of the Lanczos resampler. The weight tables are built in Swift (LanczosResampler);
// these loops live in C because they dominate the pipeline's run time, and unoptimised (debug)
// Swift runs them about ten times slower than unoptimised C, which made test runs crawl.
//
// The vertical pass sums `taps` input rows into one float row, the horizontal pass turns that row
// into output samples. Interleaved pixels go one output row at a time; one channel (a gray image or a
// plane of a YCbCr image, the common case) goes 8 output rows at a time, transposed in between so that
// the horizontal pass sums whole vectors as the vertical one does. Only a few float rows are ever held,
// so the resampler's memory is O(input width), and they stay in cache between the two passes.
// Clang's vector extensions keep the loops SIMD on every target (SSE2 and NEON alike).

#include <string.h>

#include "CImageCodecs.h"

// On x86-64 the resampler is also compiled for x86-64-v3 (AVX2 and FMA: 8 floats per instruction and fused
// multiply-adds), picked at load time when the CPU has it; the baseline build stays SSE2.
#if defined(__x86_64__) && defined(__clang__) && defined(__ELF__)
#define CIMG_MULTIVERSIONED __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CIMG_MULTIVERSIONED
#endif

typedef float cimg_v8f __attribute__((vector_size(32)));
typedef uint8_t cimg_v8u8 __attribute__((vector_size(8)));
typedef float cimg_v4f __attribute__((vector_size(16)));
typedef int32_t cimg_v4i __attribute__((vector_size(16)));
typedef int32_t cimg_v8i __attribute__((vector_size(32)));
typedef uint8_t cimg_v4u8 __attribute__((vector_size(4)));

/// The vertical pass straight from 8-bit rows: `count` rows from `first`, each weighted, summed into `out`
/// (`length` samples). Converting each row again for every output row that reads it costs less than keeping
/// float copies: the rows read stay a quarter of the size, in L1 rather than L2 (10% faster on display images,
/// 20% on thumbnails), and the sums are the same to the bit.
static inline __attribute__((always_inline)) void cimg_vertical_row_bytes(const uint8_t *source, size_t stride,
                                                                         int first, int count,
                                                                         const float *restrict weights,
                                                                         size_t length, float *restrict out) {
    const uint8_t *rows[count];
    for (int tap = 0; tap < count; tap++) rows[tap] = source + (size_t)(first + tap) * stride;
    size_t i = 0;
    for (; i + 32 <= length; i += 32) {
        cimg_v8f a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
        for (int tap = 0; tap < count; tap++) {
            const float w = weights[tap];
            const uint8_t *p = rows[tap] + i;
            cimg_v8u8 b0, b1, b2, b3;
            memcpy(&b0, p, sizeof b0);
            memcpy(&b1, p + 8, sizeof b1);
            memcpy(&b2, p + 16, sizeof b2);
            memcpy(&b3, p + 24, sizeof b3);
            a0 += w * __builtin_convertvector(b0, cimg_v8f);
            a1 += w * __builtin_convertvector(b1, cimg_v8f);
            a2 += w * __builtin_convertvector(b2, cimg_v8f);
            a3 += w * __builtin_convertvector(b3, cimg_v8f);
        }
        memcpy(out + i, &a0, sizeof a0);
        memcpy(out + i + 8, &a1, sizeof a1);
        memcpy(out + i + 16, &a2, sizeof a2);
        memcpy(out + i + 24, &a3, sizeof a3);
    }
    for (; i < length; i++) {
        float sum = 0.0f;
        for (int tap = 0; tap < count; tap++) sum += weights[tap] * (float)rows[tap][i];
        out[i] = sum;
    }
}

static inline uint8_t cimg_clamp_to_byte(float value) {
    // Lanczos lobes overshoot near edges; clamp before rounding.
    if (value <= 0.0f) return 0;
    if (value >= 255.0f) return 255;
    return (uint8_t)(value + 0.5f);
}

/// Horizontal pass over a row of 4-float pixels (RGB padded, or RGBA): one vector multiply-add per tap.
static void cimg_horizontal_row4(const float *restrict in, uint8_t *restrict out, int output_width, int channels,
                                 const int32_t *starts, const int32_t *counts, const float *weights, int taps) {
    const cimg_v4f zero = { 0, 0, 0, 0 }, top = { 255, 255, 255, 255 }, half = { 0.5f, 0.5f, 0.5f, 0.5f };
    for (int column = 0; column < output_width; column++) {
        const float *w = weights + (size_t)column * (size_t)taps;
        const float *p = in + (size_t)starts[column] * 4;
        // Two accumulators (even and odd taps) halve the chain of dependent multiply-adds per pixel.
        cimg_v4f even = zero, odd = zero;
        const int count = counts[column];
        int tap = 0;
        for (; tap + 2 <= count; tap += 2, p += 8) {
            cimg_v4f first, second;
            memcpy(&first, p, sizeof first);
            memcpy(&second, p + 4, sizeof second);
            even += w[tap] * first;
            odd += w[tap + 1] * second;
        }
        if (tap < count) {
            cimg_v4f last;
            memcpy(&last, p, sizeof last);
            even += w[tap] * last;
        }
        cimg_v4f acc = even + odd;
        acc = __builtin_elementwise_min(__builtin_elementwise_max(acc, zero), top) + half;
        // Clamped, so truncating to int and then to bytes rounds without overflow, all in vector registers.
        cimg_v4u8 bytes = __builtin_convertvector(__builtin_convertvector(acc, cimg_v4i), cimg_v4u8);
        memcpy(out + (size_t)column * (size_t)channels, &bytes, channels == 4 ? 4 : 3);
    }
}

/// Transposes the 8×8 block of floats a[0...7] (a[i][j] = row i, column j) in place: afterwards a[j] holds
/// column j. Three rounds of two-vector shuffles (unpack, shuffle, 128-bit lane swap on AVX).
static inline __attribute__((always_inline)) void cimg_transpose8x8(cimg_v8f a[8]) {
    cimg_v8f t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = __builtin_shufflevector(a[2 * i], a[2 * i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[2 * i + 1] = __builtin_shufflevector(a[2 * i], a[2 * i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int i = 0; i < 2; i++) {
        for (int k = 0; k < 2; k++) {
            const cimg_v8f x = t[4 * i + k], y = t[4 * i + k + 2];
            u[4 * i + 2 * k] = __builtin_shufflevector(x, y, 0, 1, 8, 9, 4, 5, 12, 13);
            u[4 * i + 2 * k + 1] = __builtin_shufflevector(x, y, 2, 3, 10, 11, 6, 7, 14, 15);
        }
    }
    for (int j = 0; j < 4; j++) {
        a[j] = __builtin_shufflevector(u[j], u[j + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        a[j + 4] = __builtin_shufflevector(u[j], u[j + 4], 4, 5, 6, 7, 12, 13, 14, 15);
    }
}

/// The one-channel pass for a strip of 8 output rows, after their vertical pass. `columns` holds the strip
/// transposed, one vector per input column whose lane k is strip row k, followed by `taps` zero vectors; output
/// column c is then the weighted sum of whole vectors `columns[starts[c] ...]`, 8 rows at once with no lane
/// sums. Eight columns are summed side by side (eight independent multiply-add chains) and transposed back into
/// 8 bytes of each of the strip's `rows` output rows. `grouped` is the weight table regrouped by
/// cimg_group_weights, so that the eight columns' weights of one tap are adjacent; the table's zero weights past
/// each count let the longest count of the eight bound the loop.
static inline __attribute__((always_inline)) void cimg_horizontal_strip(const cimg_v8f *restrict columns,
                                                                       uint8_t *restrict out, size_t out_stride,
                                                                       int rows, int output_width,
                                                                       const cimg_axis_weights *horizontal,
                                                                       const float *restrict grouped) {
    const cimg_v8f zero = { 0 }, top = { 255, 255, 255, 255, 255, 255, 255, 255 },
                   half = { 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f };
    const int taps = horizontal->taps;
    for (int column = 0; column < output_width; column += 8) {
        const int lanes = output_width - column < 8 ? output_width - column : 8;
        const cimg_v8f *p[8];
        int longest = 0;
        for (int lane = 0; lane < 8; lane++) {
            // Missing lanes of the last group repeat its last column; their sums are never stored.
            const int c = column + (lane < lanes ? lane : lanes - 1);
            p[lane] = columns + horizontal->starts[c];
            if (horizontal->counts[c] > longest) longest = horizontal->counts[c];
        }
        const float *w = grouped + (size_t)column * (size_t)taps;
        cimg_v8f acc[8] = { zero, zero, zero, zero, zero, zero, zero, zero };
        for (int tap = 0; tap < longest; tap++, w += 8) {
            for (int lane = 0; lane < 8; lane++) acc[lane] += w[lane] * p[lane][tap];
        }
        cimg_transpose8x8(acc);
        for (int row = 0; row < rows; row++) {
            const cimg_v8f sums = __builtin_elementwise_min(__builtin_elementwise_max(acc[row], zero), top) + half;
            cimg_v8u8 bytes = __builtin_convertvector(__builtin_convertvector(sums, cimg_v8i), cimg_v8u8);
            memcpy(out + (size_t)row * out_stride + column, &bytes, (size_t)lanes);
        }
    }
}

/// Regroups a horizontal table for cimg_horizontal_strip: for each group of 8 output columns, tap by tap, the
/// 8 columns' weights side by side (zero for the missing columns of the last group).
static void cimg_group_weights(const cimg_axis_weights *horizontal, int output_width, float *restrict grouped) {
    const int taps = horizontal->taps;
    for (int column = 0; column < output_width; column += 8) {
        float *group = grouped + (size_t)column * (size_t)taps;
        for (int tap = 0; tap < taps; tap++) {
            for (int lane = 0; lane < 8; lane++) {
                group[tap * 8 + lane] = column + lane < output_width
                    ? horizontal->weights[(size_t)(column + lane) * (size_t)taps + (size_t)tap]
                    : 0.0f;
            }
        }
    }
}

/// Turns the 8 float rows of `strip` (each `width` samples, `stride` apart, stride a multiple of 8) into
/// `columns`: one vector per input column, lane k from row k.
static inline __attribute__((always_inline)) void cimg_transpose_strip(const float *restrict strip, size_t stride,
                                                                      int width, cimg_v8f *restrict columns) {
    for (int x = 0; x < width; x += 8) {
        cimg_v8f block[8];
        for (int k = 0; k < 8; k++) memcpy(&block[k], strip + (size_t)k * stride + x, sizeof block[k]);
        cimg_transpose8x8(block);
        for (int j = 0; j < 8; j++) columns[x + j] = block[j];
    }
}

/// Horizontal pass for 1 or 2 interleaved channels.
static void cimg_horizontal_row_narrow(const float *restrict in, uint8_t *restrict out, int output_width, int channels,
                                       const int32_t *starts, const int32_t *counts, const float *weights, int taps) {
    for (int column = 0; column < output_width; column++) {
        const float *w = weights + (size_t)column * (size_t)taps;
        const float *p = in + (size_t)starts[column] * (size_t)channels;
        uint8_t *o = out + (size_t)column * (size_t)channels;
        if (channels == 1) {
            float v = 0.0f;
            for (int tap = 0; tap < counts[column]; tap++) v += w[tap] * p[tap];
            o[0] = cimg_clamp_to_byte(v);
        } else {
            float v0 = 0.0f, v1 = 0.0f;
            for (int tap = 0; tap < counts[column]; tap++, p += 2) {
                v0 += w[tap] * p[0];
                v1 += w[tap] * p[1];
            }
            o[0] = cimg_clamp_to_byte(v0);
            o[1] = cimg_clamp_to_byte(v1);
        }
    }
}

/// One channel's scratch: 8 rows of the input width rounded up to whole vectors, then their transpose with
/// `taps` zero vectors after it (read by the last columns' whole-table sums), then the regrouped weights.
static size_t cimg_strip_floats(int input_width, int output_width, int horizontal_taps) {
    const size_t padded = ((size_t)input_width + 7) / 8 * 8;
    const size_t groups = ((size_t)output_width + 7) / 8;
    return 8 * padded + 8 * (padded + (size_t)horizontal_taps) + groups * 8 * (size_t)horizontal_taps;
}

size_t cimg_resample_scratch_floats(int input_width, int output_width, int channels, int horizontal_taps) {
    // One channel: a strip of 8 vertical-pass rows and its transpose (see cimg_resample). More channels: the
    // vertical pass's row followed by `horizontal_taps` zeros, then that row padded to 4 floats a pixel when RGB.
    const size_t row = (size_t)input_width * (size_t)channels;
    if (channels == 1) return cimg_strip_floats(input_width, output_width, horizontal_taps) + 8 /* alignment */;
    return row + (size_t)horizontal_taps + (channels == 3 ? (size_t)input_width * 4 : 0);
}

CIMG_MULTIVERSIONED
void cimg_resample(const uint8_t *source, size_t source_stride, int input_width, int channels, uint8_t *destination,
                   int output_width, int output_height, const cimg_axis_weights *vertical,
                   const cimg_axis_weights *horizontal, float *scratch) {
    // A row holds row_samples samples; rows start in_stride bytes apart (a decoder's planes may pad their rows).
    const size_t row_samples = (size_t)input_width * (size_t)channels;
    const size_t in_stride = source_stride != 0 ? source_stride : row_samples;
    const size_t out_stride = (size_t)output_width * (size_t)channels;
    const int slots = vertical->taps;
    if (channels == 1) {
        // Eight output rows at a time: their vertical passes fill a strip, the strip is transposed so that each
        // input column is one vector of 8 rows, and the horizontal pass sums whole vectors (see
        // cimg_horizontal_strip). The strip's padding columns and the zero vectors after the transpose are
        // zeroed once; the vertical pass never writes them.
        const size_t strip_stride = ((size_t)input_width + 7) / 8 * 8;
        float *strip = scratch;
        uintptr_t aligned = ((uintptr_t)(strip + 8 * strip_stride) + 31) & ~(uintptr_t)31;
        cimg_v8f *columns = (cimg_v8f *)aligned;
        memset(strip, 0, 8 * strip_stride * sizeof(float));
        memset(columns + strip_stride, 0, (size_t)horizontal->taps * sizeof(cimg_v8f));
        float *grouped = (float *)(columns + strip_stride + horizontal->taps);
        cimg_group_weights(horizontal, output_width, grouped);
        for (int row = 0; row < output_height; row += 8) {
            const int rows = output_height - row < 8 ? output_height - row : 8;
            for (int k = 0; k < rows; k++) {
                cimg_vertical_row_bytes(source, in_stride, vertical->starts[row + k], vertical->counts[row + k],
                                        vertical->weights + (size_t)(row + k) * (size_t)slots, row_samples,
                                        strip + (size_t)k * strip_stride);
            }
            cimg_transpose_strip(strip, strip_stride, input_width, columns);
            cimg_horizontal_strip(columns, destination + (size_t)row * out_stride, out_stride, rows, output_width,
                                  horizontal, grouped);
        }
        return;
    }
    float *flat = scratch;
    float *padded = channels == 3 ? flat + row_samples + horizontal->taps : flat;
    for (int row = 0; row < output_height; row++) {
        cimg_vertical_row_bytes(source, in_stride, vertical->starts[row], vertical->counts[row],
                                vertical->weights + (size_t)row * (size_t)slots, row_samples, flat);
        uint8_t *out = destination + (size_t)row * out_stride;
        if (channels == 3) {
            for (int x = 0; x < input_width; x++) {
                padded[4 * x] = flat[3 * x];
                padded[4 * x + 1] = flat[3 * x + 1];
                padded[4 * x + 2] = flat[3 * x + 2];
                padded[4 * x + 3] = 0.0f;
            }
        }
        if (channels >= 3) {
            cimg_horizontal_row4(padded, out, output_width, channels, horizontal->starts, horizontal->counts,
                                 horizontal->weights, horizontal->taps);
        } else {
            cimg_horizontal_row_narrow(flat, out, output_width, channels, horizontal->starts, horizontal->counts,
                                       horizontal->weights, horizontal->taps);
        }
    }
}
