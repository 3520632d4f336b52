// libwebp shims: decode lossy, lossless, alpha and animated WebP (the first frame, composited on its canvas)
// into 8-bit RGB(A), and encode derivatives (with an ICCP chunk when a profile is given). libwebp returns status
// codes everywhere (no longjmp, no exit), which become a cimg_status here.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>
#include <webp/mux.h>

#include "CImageCodecs.h"

/// ICC profiles above this size are not copied into derivatives (the same bound as the other paths).
#define CWEBP_MAX_ICC_COPY (64 * 1024)

static int cwebp_fail(cimg_status *status, int code, const char *message) {
    if (status != NULL) {
        status->code = code;
        snprintf(status->message, sizeof status->message, "%s", message ? message : "");
    }
    return code;
}

static const char *cwebp_reason(VP8StatusCode code) {
    switch (code) {
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "the data ends early";
    default: return "decoding failed";
    }
}

/// Copies the ICCP chunk, if any and small enough, into malloc'd memory.
static void cwebp_copy_icc(const uint8_t *data, size_t size, uint8_t **icc, size_t *icc_length) {
    *icc = NULL;
    *icc_length = 0;
    WebPData input = {data, size};
    WebPDemuxer *demux = WebPDemux(&input);
    if (demux == NULL) return;
    if (WebPDemuxGetI(demux, WEBP_FF_FORMAT_FLAGS) & ICCP_FLAG) {
        WebPChunkIterator chunk;
        if (WebPDemuxGetChunk(demux, "ICCP", 1, &chunk)) {
            if (chunk.chunk.size > 0 && chunk.chunk.size <= CWEBP_MAX_ICC_COPY) {
                *icc = malloc(chunk.chunk.size);
                if (*icc != NULL) {
                    memcpy(*icc, chunk.chunk.bytes, chunk.chunk.size);
                    *icc_length = chunk.chunk.size;
                }
            }
            WebPDemuxReleaseChunkIterator(&chunk);
        }
    }
    WebPDemuxDelete(demux);
}

/// The first frame of an animation, composited on the canvas as a viewer shows it before it starts playing.
static int cwebp_first_frame(const uint8_t *data, size_t size, uint64_t max_pixels, uint8_t **pixels, int *width,
                             int *height, cimg_status *status) {
    WebPAnimDecoderOptions options;
    if (!WebPAnimDecoderOptionsInit(&options)) return cwebp_fail(status, CIMG_ERR_CORRUPT, "libwebp version mismatch");
    options.color_mode = MODE_RGBA;
    options.use_threads = 0;
    WebPData input = {data, size};
    WebPAnimDecoder *decoder = WebPAnimDecoderNew(&input, &options);
    if (decoder == NULL) return cwebp_fail(status, CIMG_ERR_CORRUPT, "the animation cannot be read");
    WebPAnimInfo info;
    int result = CIMG_OK;
    if (!WebPAnimDecoderGetInfo(decoder, &info) || info.canvas_width == 0 || info.canvas_height == 0) {
        result = cwebp_fail(status, CIMG_ERR_CORRUPT, "the animation has no canvas");
    } else if ((uint64_t)info.canvas_width * info.canvas_height > max_pixels) {
        result = cwebp_fail(status, CIMG_ERR_TOO_MANY_PIXELS, "too many pixels");
    } else {
        uint8_t *frame = NULL;
        int timestamp = 0;
        if (!WebPAnimDecoderGetNext(decoder, &frame, &timestamp) || frame == NULL) {
            result = cwebp_fail(status, CIMG_ERR_CORRUPT, "the first frame cannot be decoded");
        } else {
            size_t bytes = (size_t)info.canvas_width * info.canvas_height * 4;
            *pixels = malloc(bytes);
            if (*pixels == NULL) {
                result = cwebp_fail(status, CIMG_ERR_NO_MEMORY, "out of memory for the frame");
            } else {
                memcpy(*pixels, frame, bytes);
                *width = (int)info.canvas_width;
                *height = (int)info.canvas_height;
            }
        }
    }
    WebPAnimDecoderDelete(decoder);
    return result;
}

int cwebp_decode(const uint8_t *data, size_t size, uint64_t max_pixels, cimg_pixels *out, cimg_status *status) {
    if (data == NULL || size == 0 || out == NULL) return cwebp_fail(status, CIMG_ERR_INVALID_ARGUMENT, "no data");
    memset(out, 0, sizeof *out);
    WebPBitstreamFeatures features;
    VP8StatusCode code = WebPGetFeatures(data, size, &features);
    if (code != VP8_STATUS_OK) return cwebp_fail(status, CIMG_ERR_CORRUPT, cwebp_reason(code));
    if (features.width <= 0 || features.height <= 0)
        return cwebp_fail(status, CIMG_ERR_CORRUPT, "the image has no size");
    if ((uint64_t)features.width * (uint64_t)features.height > max_pixels)
        return cwebp_fail(status, CIMG_ERR_TOO_MANY_PIXELS, "too many pixels");

    uint8_t *pixels = NULL;
    int width = features.width, height = features.height;
    int channels = 3;
    if (features.has_animation) {
        int result = cwebp_first_frame(data, size, max_pixels, &pixels, &width, &height, status);
        if (result != CIMG_OK) return result;
        channels = 4;
    } else {
        channels = features.has_alpha ? 4 : 3;
        size_t stride = (size_t)width * channels;
        size_t bytes = stride * (size_t)height;
        pixels = malloc(bytes);
        if (pixels == NULL) return cwebp_fail(status, CIMG_ERR_NO_MEMORY, "out of memory for the image");
        uint8_t *decoded = channels == 4 ? WebPDecodeRGBAInto(data, size, pixels, bytes, (int)stride)
                                         : WebPDecodeRGBInto(data, size, pixels, bytes, (int)stride);
        if (decoded == NULL) {
            free(pixels);
            return cwebp_fail(status, CIMG_ERR_CORRUPT, "the image data is damaged or truncated");
        }
    }
    int transparent = 0;
    if (channels == 4) {
        size_t count = (size_t)width * height;
        for (size_t i = 0; i < count; i++) {
            if (pixels[i * 4 + 3] != 255) {
                transparent = 1;
                break;
            }
        }
    }
    out->data = pixels;
    out->width = width;
    out->height = height;
    out->channels = channels;
    out->has_alpha = transparent;
    cwebp_copy_icc(data, size, &out->icc, &out->icc_length);
    if (status != NULL) {
        status->code = CIMG_OK;
        status->message[0] = 0;
    }
    return CIMG_OK;
}

int cwebp_encode(const uint8_t *pixels, int width, int height, int channels, int quality, int lossless,
                 const uint8_t *icc, size_t icc_length, uint8_t **out, size_t *out_length, cimg_status *status) {
    if (pixels == NULL || width <= 0 || height <= 0 || width > WEBP_MAX_DIMENSION || height > WEBP_MAX_DIMENSION ||
        (channels != 3 && channels != 4) || out == NULL || out_length == NULL)
        return cwebp_fail(status, CIMG_ERR_INVALID_ARGUMENT, "unusable encoding arguments");
    *out = NULL;
    *out_length = 0;
    WebPConfig config;
    if (!WebPConfigPreset(&config, WEBP_PRESET_PHOTO, (float)quality))
        return cwebp_fail(status, CIMG_ERR_INVALID_ARGUMENT, "libwebp version mismatch");
    config.method = 4;
    config.lossless = lossless ? 1 : 0;
    config.thread_level = 0;
    WebPPicture picture;
    if (!WebPPictureInit(&picture)) return cwebp_fail(status, CIMG_ERR_INVALID_ARGUMENT, "libwebp version mismatch");
    picture.width = width;
    picture.height = height;
    picture.use_argb = lossless ? 1 : 0;
    int imported = channels == 4 ? WebPPictureImportRGBA(&picture, pixels, width * 4)
                                 : WebPPictureImportRGB(&picture, pixels, width * 3);
    if (!imported) {
        WebPPictureFree(&picture);
        return cwebp_fail(status, CIMG_ERR_NO_MEMORY, "out of memory for the picture");
    }
    WebPMemoryWriter writer;
    WebPMemoryWriterInit(&writer);
    picture.writer = WebPMemoryWrite;
    picture.custom_ptr = &writer;
    int encoded = WebPEncode(&config, &picture);
    int error = picture.error_code;
    WebPPictureFree(&picture);
    if (!encoded) {
        WebPMemoryWriterClear(&writer);
        return cwebp_fail(status, error == VP8_ENC_ERROR_OUT_OF_MEMORY ? CIMG_ERR_NO_MEMORY : CIMG_ERR_INVALID_ARGUMENT,
                          "the WebP encoder failed");
    }
    if (icc == NULL || icc_length == 0) {
        *out = writer.mem;  // WebPMemoryWriter allocates with malloc, so cimg_free releases it.
        *out_length = writer.size;
        return CIMG_OK;
    }
    // The profile goes in an ICCP chunk, which only the extended (VP8X) layout that WebPMux writes can carry.
    WebPMux *mux = WebPMuxNew();
    WebPData image = {writer.mem, writer.size};
    WebPData profile = {icc, icc_length};
    WebPData assembled = {NULL, 0};
    int result = CIMG_OK;
    if (mux == NULL || WebPMuxSetImage(mux, &image, 0) != WEBP_MUX_OK ||
        WebPMuxSetChunk(mux, "ICCP", &profile, 0) != WEBP_MUX_OK || WebPMuxAssemble(mux, &assembled) != WEBP_MUX_OK) {
        result = cwebp_fail(status, CIMG_ERR_NO_MEMORY, "the WebP container could not be assembled");
        WebPDataClear(&assembled);
    } else {
        *out = (uint8_t *)assembled.bytes;
        *out_length = assembled.size;
    }
    if (mux != NULL) WebPMuxDelete(mux);
    WebPMemoryWriterClear(&writer);
    return result;
}
