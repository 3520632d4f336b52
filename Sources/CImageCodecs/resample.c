// Inner loops of the Lanczos resampler. The weight tables are built in Swift (LanczosResampler);
// these loops live in C because they dominate the pipeline's run time, and unoptimised (debug)
// Swift runs them about ten times slower than unoptimised C, which made test runs crawl.

#include "CImageCodecs.h"

void cimg_resample_vertical(const uint8_t *restrict source, size_t row_length, float *restrict destination, int output_rows,
                            const int32_t *starts, const int32_t *counts, const float *weights, int taps) {
    for (int row = 0; row < output_rows; row++) {
        float *restrict out = destination + (size_t)row * row_length;
        for (size_t i = 0; i < row_length; i++) out[i] = 0.0f;
        const float *w = weights + (size_t)row * (size_t)taps;
        for (int tap = 0; tap < counts[row]; tap++) {
            const float weight = w[tap];
            const uint8_t *restrict in = source + (size_t)(starts[row] + tap) * row_length;
            for (size_t i = 0; i < row_length; i++) out[i] += weight * (float)in[i];
        }
    }
}

static inline uint8_t cimg_clamp_to_byte(float value) {
    // Lanczos lobes overshoot near edges; clamp before rounding.
    if (value <= 0.0f) return 0;
    if (value >= 255.0f) return 255;
    return (uint8_t)(value + 0.5f);
}

void cimg_resample_horizontal(const float *restrict source, int input_width, uint8_t *restrict destination, int output_width,
                              int rows, int channels,
                              const int32_t *starts, const int32_t *counts, const float *weights, int taps) {
    const size_t in_stride = (size_t)input_width * (size_t)channels;
    const size_t out_stride = (size_t)output_width * (size_t)channels;
    for (int row = 0; row < rows; row++) {
        const float *in = source + (size_t)row * in_stride;
        uint8_t *out = destination + (size_t)row * out_stride;
        for (int column = 0; column < output_width; column++) {
            const float *w = weights + (size_t)column * (size_t)taps;
            const float *p = in + (size_t)starts[column] * (size_t)channels;
            const int count = counts[column];
            uint8_t *o = out + (size_t)column * (size_t)channels;
            if (channels == 3) {
                float r = 0.0f, g = 0.0f, b = 0.0f;
                for (int tap = 0; tap < count; tap++, p += 3) {
                    r += w[tap] * p[0];
                    g += w[tap] * p[1];
                    b += w[tap] * p[2];
                }
                o[0] = cimg_clamp_to_byte(r);
                o[1] = cimg_clamp_to_byte(g);
                o[2] = cimg_clamp_to_byte(b);
            } else if (channels == 1) {
                float v = 0.0f;
                for (int tap = 0; tap < count; tap++) v += w[tap] * p[tap];
                o[0] = cimg_clamp_to_byte(v);
            } else {
                float acc[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
                for (int tap = 0; tap < count; tap++, p += channels) {
                    for (int c = 0; c < channels; c++) acc[c] += w[tap] * p[c];
                }
                for (int c = 0; c < channels; c++) o[c] = cimg_clamp_to_byte(acc[c]);
            }
        }
    }
}
