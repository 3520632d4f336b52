// libFuzzer harness over the JPEG entry points of the C shim (CImageCodecs/jpeg_codec.c).
// The whole input is the file (so that seed files work as they are); its length picks the DCT scale.
// Whatever decodes is encoded again.

#include <stddef.h>
#include <stdint.h>

#include "CImageCodecs.h"

/// Small enough that a crafted header cannot make one input allocate more than ASan's budget.
#define FUZZ_MAX_PIXELS (16u * 1024u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    static const int scales[4] = { 1, 2, 4, 8 };
    const int scale = scales[size & 3];
    cimg_pixels pixels;
    cimg_status status;
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
