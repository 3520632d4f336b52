// Colour conversion of decoded HEIF/AVIF pixels described by an nclx box (no ICC profile) into 8-bit sRGB:
// the transfer function is undone, the primaries are converted by a 3x3 matrix in linear light, HDR signals
// (PQ, HLG) are tone-mapped, and the result is encoded with the sRGB curve. Plain C, no allocation beyond two LUTs.

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "CImageCodecs.h"

/// ITU-R BT.2408 reference white of an HDR signal, in cd/m²: what maps to SDR white before the roll-off.
#define CIMG_HDR_REFERENCE_WHITE 203.0
/// Linear SDR level (relative to white) where the highlight roll-off begins; below it HDR values pass unchanged.
#define CIMG_ROLLOFF_KNEE 0.6
/// Entries of the linear → sRGB table; enough that adjacent entries differ by under one 8-bit step near black.
#define CIMG_OETF_ENTRIES 16384

static double srgb_eotf(double v) { return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4); }

static double srgb_oetf(double v) { return v <= 0.0031308 ? v * 12.92 : 1.055 * pow(v, 1.0 / 2.4) - 0.055; }

/// SMPTE ST 2084: a PQ signal in [0, 1] to display light in cd/m².
static double pq_eotf(double e) {
    const double m1 = 2610.0 / 16384.0, m2 = 2523.0 / 4096.0 * 128.0;
    const double c1 = 3424.0 / 4096.0, c2 = 2413.0 / 4096.0 * 32.0, c3 = 2392.0 / 4096.0 * 32.0;
    double p = pow(e, 1.0 / m2);
    double num = p - c1 > 0 ? p - c1 : 0;
    return 10000.0 * pow(num / (c2 - c3 * p), 1.0 / m1);
}

/// ITU-R BT.2100 HLG: the signal to scene light in [0, 1], then the OOTF of a 1000 cd/m² display (gamma 1.2,
/// applied per channel: close enough for a preview), in cd/m².
static double hlg_to_display(double e) {
    const double a = 0.17883277, b = 0.28466892, c = 0.55991073;
    double scene = e <= 0.5 ? e * e / 3.0 : (exp((e - c) / a) + b) / 12.0;
    return 1000.0 * pow(scene, 1.2);
}

/// Highlights between the knee and the content's peak (`peak`, relative to reference white) are compressed into
/// the knee..1 range by an extended Reinhard curve, with slope 1 at the knee (no visible bend) and exactly 1 at the
/// peak, so the brightest highlight is white and nothing below it clips; the knee and below keep their level.
static double roll_off(double v, double peak) {
    if (v <= CIMG_ROLLOFF_KNEE) return v;
    double span = 1.0 - CIMG_ROLLOFF_KNEE;
    double x = (v - CIMG_ROLLOFF_KNEE) / span;
    double top = (peak - CIMG_ROLLOFF_KNEE) / span;
    if (top < 1) top = 1;
    double mapped = x * (1.0 + x / (top * top)) / (1.0 + x);
    return CIMG_ROLLOFF_KNEE + span * (mapped > 1 ? 1 : mapped);
}

/// RGB → XYZ matrix of the primaries and white point (x, y chromaticities).
static void rgb_to_xyz(const float p[8], double m[9]) {
    double xs[3] = {p[0], p[2], p[4]}, ys[3] = {p[1], p[3], p[5]};
    double cols[9];
    for (int i = 0; i < 3; i++) {
        cols[0 * 3 + i] = xs[i] / ys[i];
        cols[1 * 3 + i] = 1.0;
        cols[2 * 3 + i] = (1.0 - xs[i] - ys[i]) / ys[i];
    }
    double wx = p[6] / p[7], wy = 1.0, wz = (1.0 - p[6] - p[7]) / p[7];
    // Solve cols * s = white by Cramer's rule.
    double a = cols[0], b = cols[1], c = cols[2], d = cols[3], e = cols[4], f = cols[5], g = cols[6], h = cols[7],
           k = cols[8];
    double det = a * (e * k - f * h) - b * (d * k - f * g) + c * (d * h - e * g);
    if (fabs(det) < 1e-12) det = 1e-12;
    double s[3];
    s[0] = (wx * (e * k - f * h) - b * (wy * k - f * wz) + c * (wy * h - e * wz)) / det;
    s[1] = (a * (wy * k - f * wz) - wx * (d * k - f * g) + c * (d * wz - wy * g)) / det;
    s[2] = (a * (e * wz - wy * h) - b * (d * wz - wy * g) + wx * (d * h - e * g)) / det;
    for (int r = 0; r < 3; r++)
        for (int col = 0; col < 3; col++) m[r * 3 + col] = cols[r * 3 + col] * s[col];
}

static void invert3(const double m[9], double out[9]) {
    double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
                 m[2] * (m[3] * m[7] - m[4] * m[6]);
    if (fabs(det) < 1e-12) det = 1e-12;
    out[0] = (m[4] * m[8] - m[5] * m[7]) / det;
    out[1] = (m[2] * m[7] - m[1] * m[8]) / det;
    out[2] = (m[1] * m[5] - m[2] * m[4]) / det;
    out[3] = (m[5] * m[6] - m[3] * m[8]) / det;
    out[4] = (m[0] * m[8] - m[2] * m[6]) / det;
    out[5] = (m[2] * m[3] - m[0] * m[5]) / det;
    out[6] = (m[3] * m[7] - m[4] * m[6]) / det;
    out[7] = (m[1] * m[6] - m[0] * m[7]) / det;
    out[8] = (m[0] * m[4] - m[1] * m[3]) / det;
}

int cimg_is_hdr_transfer(int transfer) { return transfer == 16 || transfer == 18; }

int cimg_is_srgb_primaries(const float p[8]) {
    static const float srgb[8] = {0.64f, 0.33f, 0.30f, 0.60f, 0.15f, 0.06f, 0.3127f, 0.3290f};
    for (int i = 0; i < 8; i++)
        if (fabsf(p[i] - srgb[i]) > 0.002f) return 0;
    return 1;
}

int cimg_convert_to_srgb(const uint8_t *source, size_t stride, int width, int height, int channels, int bits,
                         int transfer, const float primaries[8], double peak_nits, uint8_t *destination,
                         cimg_status *status) {
    if (source == NULL || destination == NULL || width <= 0 || height <= 0 || (channels != 3 && channels != 4) ||
        bits < 8 || bits > 16) {
        if (status) {
            status->code = CIMG_ERR_INVALID_ARGUMENT;
            strcpy(status->message, "unusable colour conversion arguments");
        }
        return CIMG_ERR_INVALID_ARGUMENT;
    }
    int maximum = (1 << bits) - 1;
    float *input = malloc(sizeof(float) * (size_t)(maximum + 1));
    uint8_t *oetf = malloc(CIMG_OETF_ENTRIES);
    if (input == NULL || oetf == NULL) {
        free(input);
        free(oetf);
        if (status) {
            status->code = CIMG_ERR_NO_MEMORY;
            strcpy(status->message, "out of memory for the colour tables");
        }
        return CIMG_ERR_NO_MEMORY;
    }
    int hdr = cimg_is_hdr_transfer(transfer);
    // Without a content light level, 1000 cd/m²: the usual mastering peak of HDR photos and HLG's nominal display.
    double peak = (peak_nits >= CIMG_HDR_REFERENCE_WHITE ? peak_nits : 1000.0) / CIMG_HDR_REFERENCE_WHITE;
    for (int v = 0; v <= maximum; v++) {
        double e = (double)v / maximum;
        double light;
        switch (transfer) {
        case 16: light = pq_eotf(e) / CIMG_HDR_REFERENCE_WHITE; break;
        case 18: light = hlg_to_display(e) / CIMG_HDR_REFERENCE_WHITE; break;
        case 8: light = e; break;
        default: light = srgb_eotf(e); break;
        }
        input[v] = (float)light;
    }
    for (int i = 0; i < CIMG_OETF_ENTRIES; i++) {
        double v = srgb_oetf((double)i / (CIMG_OETF_ENTRIES - 1)) * 255.0 + 0.5;
        oetf[i] = (uint8_t)(v > 255 ? 255 : v);
    }
    static const float srgb[8] = {0.64f, 0.33f, 0.30f, 0.60f, 0.15f, 0.06f, 0.3127f, 0.3290f};
    double to_xyz[9], srgb_to_xyz[9], from_xyz[9], matrix[9];
    rgb_to_xyz(primaries, to_xyz);
    rgb_to_xyz(srgb, srgb_to_xyz);
    invert3(srgb_to_xyz, from_xyz);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            matrix[r * 3 + c] = from_xyz[r * 3 + 0] * to_xyz[0 * 3 + c] + from_xyz[r * 3 + 1] * to_xyz[1 * 3 + c] +
                                from_xyz[r * 3 + 2] * to_xyz[2 * 3 + c];
    float mf[9];
    for (int i = 0; i < 9; i++) mf[i] = (float)matrix[i];
    const float scale = CIMG_OETF_ENTRIES - 1;
    for (int y = 0; y < height; y++) {
        const uint8_t *row = source + (size_t)y * stride;
        uint8_t *out = destination + (size_t)y * width * channels;
        for (int x = 0; x < width; x++) {
            int s[4];
            for (int c = 0; c < channels; c++) {
                if (bits == 8) {
                    s[c] = row[x * channels + c];
                } else {
                    const uint8_t *p = row + (size_t)(x * channels + c) * 2;
                    int v = p[0] | (p[1] << 8);  // little-endian, as requested from libheif
                    s[c] = v > maximum ? maximum : v;
                }
            }
            float r = input[s[0]], g = input[s[1]], b = input[s[2]];
            if (hdr) {
                // Tone-map on the largest component so hues keep their ratios while highlights roll off.
                float m = r > g ? (r > b ? r : b) : (g > b ? g : b);
                if (m > (float)CIMG_ROLLOFF_KNEE) {
                    float f = (float)(roll_off(m, peak) / m);
                    r *= f;
                    g *= f;
                    b *= f;
                }
            }
            float rgb[3] = {mf[0] * r + mf[1] * g + mf[2] * b, mf[3] * r + mf[4] * g + mf[5] * b,
                            mf[6] * r + mf[7] * g + mf[8] * b};
            for (int c = 0; c < 3; c++) {
                float v = rgb[c];
                v = v < 0 ? 0 : (v > 1 ? 1 : v);
                out[x * channels + c] = oetf[(int)(v * scale + 0.5f)];
            }
            if (channels == 4) out[x * channels + 3] = (uint8_t)((s[3] * 255 + maximum / 2) / maximum);
        }
    }
    free(input);
    free(oetf);
    return CIMG_OK;
}
