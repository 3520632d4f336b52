// libFuzzer harness over the WebP entry point of the C shim (CImageCodecs/webp_codec.c): stills, alpha,
// animations (the first frame through WebPAnimDecoder) and the ICCP chunk through WebPDemux. Whatever decodes is
// encoded again, with its profile (the WebPMux path).

#include <stddef.h>
#include <stdint.h>

#include "CImageCodecs.h"

/// Small enough that a crafted header cannot make one input allocate more than ASan's budget.
#define FUZZ_MAX_PIXELS (16u * 1024u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cimg_pixels pixels;
    cimg_status status;
    if (cwebp_decode(data, size, FUZZ_MAX_PIXELS, &pixels, &status) != CIMG_OK) return 0;
    if ((size_t)pixels.width * (size_t)pixels.height <= 256u * 256u) {
        uint8_t *encoded = NULL;
        size_t length = 0;
        if (cwebp_encode(pixels.data, pixels.width, pixels.height, pixels.channels, 50, 0, pixels.icc,
                         pixels.icc_length, &encoded, &length, &status) == CIMG_OK) {
            cimg_free(encoded);
        }
    }
    cimg_free(pixels.data);
    cimg_free(pixels.icc);
    return 0;
}
