// libFuzzer harness over the JPEG entry points of the C shim (CImageCodecs/jpeg_codec.c and jpeg_planar.c).
// The whole input is the file (so that seed files work as they are); its length picks the DCT scale.
// Whatever decodes is encoded again, by both the RGB decoder and the planar (YCbCr) one.

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "CImageCodecs.h"

/// Small enough that a crafted header cannot make one input allocate more than ASan's budget.
#define FUZZ_MAX_PIXELS (16u * 1024u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    static const int scales[4] = { 1, 2, 4, 8 };
    const int scale = scales[size & 3];
    cimg_status status;
    cimg_ycc_layout layout;
    if (cjpeg_ycc_layout(data, size, scale, FUZZ_MAX_PIXELS, &layout, &status) == CIMG_OK) {
        const size_t luma = (size_t)layout.width * (size_t)layout.height;
        const size_t chroma = (size_t)layout.chroma_width * (size_t)layout.chroma_height;
        uint8_t *planes = malloc(luma + 2 * chroma);
        uint8_t *icc = NULL;
        size_t icc_length = 0;
        if (planes != NULL &&
            cjpeg_decode_ycc(data, size, scale, FUZZ_MAX_PIXELS, &layout, planes, planes + luma,
                             planes + luma + chroma, &icc, &icc_length, &status) == CIMG_OK &&
            luma <= 256u * 256u) {
            uint8_t *encoded = NULL;
            size_t length = 0;
            if (cjpeg_encode_ycc(planes, layout.width, layout.height, planes + luma, planes + luma + chroma, 75,
                                 (int)(size & 4), icc, icc_length, &encoded, &length, &status) == CIMG_OK) {
                cimg_free(encoded);
            }
        }
        cimg_free(icc);
        free(planes);
    }
    cimg_pixels pixels;
    if (cjpeg_decode_scaled(data, size, scale, FUZZ_MAX_PIXELS, &pixels, &status) != CIMG_OK) return 0;
    if ((size_t)pixels.width * (size_t)pixels.height <= 256u * 256u) {
        uint8_t *encoded = NULL;
        size_t length = 0;
        if (cjpeg_encode(pixels.data, pixels.width, pixels.height, pixels.channels, 75, (int)(size & 4),
                         pixels.icc, pixels.icc_length, &encoded, &length, &status) == CIMG_OK) {
            cimg_free(encoded);
        }
    }
    cimg_free(pixels.data);
    cimg_free(pixels.icc);
    return 0;
}
