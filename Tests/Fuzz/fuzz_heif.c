// libFuzzer harness over the HEIF/AVIF entry point of the C shim (CImageCodecs/heif_codec.c, with the nclx/HDR
// conversion in colour_convert.c): libheif with libde265, dav1d and aom as the system has them. Whatever decodes
// is encoded again as WebP, the derivative path that follows.

#include <stddef.h>
#include <stdint.h>

#include "CImageCodecs.h"

/// Small enough that a crafted header cannot make one input allocate more than ASan's budget.
#define FUZZ_MAX_PIXELS (16u * 1024u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cimg_pixels pixels;
    cimg_heif_details details;
    cimg_status status;
    // Tiles on the calling thread: findings then come with one stack, and the per-input timeout means the decode.
    if (cheif_decode(data, size, FUZZ_MAX_PIXELS, 0, &pixels, &details, &status) != CIMG_OK) return 0;
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
