// libFuzzer harness over the JPEG entry points of the C shim (CImageCodecs/jpeg_codec.c and jpeg_planar.c).
// The whole input is the file (so that seed files work as they are); its length picks the DCT scale.
// Whatever decodes is encoded again, by both the RGB decoder and the planar (YCbCr) one.

#include <stddef.h>
#include <stdint.h>

#include "CImageCodecs.h"

/// Small enough that a crafted header cannot make one input allocate more than ASan's budget.
#define FUZZ_MAX_PIXELS (16u * 1024u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    static const int scales[4] = { 1, 2, 4, 8 };
    const int scale = scales[size & 3];
    cimg_status status;
    cimg_ycc_planes planes;
    if (cjpeg_decode_ycc(data, size, scale, FUZZ_MAX_PIXELS, &planes, &status) == CIMG_OK) {
        if ((size_t)planes.width * (size_t)planes.height <= 256u * 256u) {
            const size_t luma = (size_t)planes.width * (size_t)planes.height;
            const size_t chroma = (size_t)planes.chroma_width * (size_t)planes.chroma_height;
            uint8_t *encoded = NULL;
            size_t length = 0;
            if (cjpeg_encode_ycc(planes.data, planes.width, planes.height, planes.data + luma,
                                 planes.data + luma + chroma, 75, (int)(size & 4), planes.icc, planes.icc_length,
                                 &encoded, &length, &status) == CIMG_OK) {
                cimg_free(encoded);
            }
        }
        cimg_free(planes.data);
        cimg_free(planes.icc);
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
