// libheif shims: decode the primary image of a HEIF or AVIF file (grid, irot/imir/clap and alpha handled by
// libheif) into 8-bit RGB(A), and encode small files for tests. libheif reports every failure as a returned
// heif_error (no longjmp, no exit), which is turned into a cimg_status here.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libheif/heif.h>

#include "CImageCodecs.h"

/// ICC profiles above this size are not copied into derivatives (the same bound as the JPEG and PNG paths).
#define CHEIF_MAX_ICC_COPY (64 * 1024)

static int cheif_fail(cimg_status *status, int code, const char *message) {
    if (status != NULL) {
        status->code = code;
        snprintf(status->message, sizeof status->message, "%s", message ? message : "");
    }
    return code;
}

/// Maps a libheif error to our codes: a tripped security limit counts as too many pixels.
static int cheif_error(cimg_status *status, struct heif_error error) {
    int code = CIMG_ERR_CORRUPT;
    if (error.code == heif_error_Memory_allocation_error) code = CIMG_ERR_NO_MEMORY;
    if (error.subcode == heif_suberror_Security_limit_exceeded) code = CIMG_ERR_TOO_MANY_PIXELS;
    return cheif_fail(status, code, error.message);
}

/// Undoes premultiplied alpha in place (libheif hands premultiplied samples through unchanged).
static void cheif_unpremultiply(uint8_t *pixels, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint8_t *p = pixels + i * 4;
        unsigned a = p[3];
        if (a == 0 || a == 255) continue;
        for (int c = 0; c < 3; c++) {
            unsigned v = (p[c] * 255u + a / 2) / a;
            p[c] = (uint8_t)(v > 255 ? 255 : v);
        }
    }
}

/// The primary image of a file, opened and checked but not decoded, with what its colour needs.
typedef struct cheif_source {
    struct heif_context *context;
    struct heif_image_handle *handle;
    int bits;
    int alpha;
    uint8_t *icc;
    size_t icc_size;
    int transfer;
    float primaries[8];
    int matrix;      ///< nclx matrix coefficients (H.273); 6 (BT.601), libheif's own default, when absent.
    int full_range;  ///< nclx full-range flag; 1 when absent.
    int convert;     ///< 1 when the samples must be converted to sRGB (cimg_convert_to_srgb).
} cheif_source;

static void cheif_close(cheif_source *source) {
    free(source->icc);
    if (source->handle != NULL) heif_image_handle_release(source->handle);
    if (source->context != NULL) heif_context_free(source->context);
    memset(source, 0, sizeof *source);
}

/// Reads the file's structure and the primary image's header: its size against max_pixels (as shown and as
/// coded), bit depth, alpha, ICC profile and nclx. No sample is decoded.
static int cheif_open(const uint8_t *data, size_t size, uint64_t max_pixels, int max_threads, cheif_source *source,
                      cimg_heif_details *details, cimg_status *status) {
    memset(source, 0, sizeof *source);
    if (details != NULL) memset(details, 0, sizeof *details);
    source->context = heif_context_alloc();
    if (source->context == NULL) return cheif_fail(status, CIMG_ERR_NO_MEMORY, "cannot allocate a HEIF context");
    // libheif's own security limits (image size, item counts, iloc extents) stay at their defaults.
    if (max_threads >= 0) heif_context_set_max_decoding_threads(source->context, max_threads);
    struct heif_error error = heif_context_read_from_memory_without_copy(source->context, data, size, NULL);
    if (error.code != heif_error_Ok) return cheif_error(status, error);
    error = heif_context_get_primary_image_handle(source->context, &source->handle);
    if (error.code != heif_error_Ok) return cheif_error(status, error);
    struct heif_image_handle *handle = source->handle;
    int width = heif_image_handle_get_width(handle);
    int height = heif_image_handle_get_height(handle);
    int ispe_width = heif_image_handle_get_ispe_width(handle);
    int ispe_height = heif_image_handle_get_ispe_height(handle);
    if (width <= 0 || height <= 0) return cheif_fail(status, CIMG_ERR_CORRUPT, "the primary image has no size");
    // Both the coded size (ispe) and the shown size must fit before a single sample is decoded.
    if ((uint64_t)width * (uint64_t)height > max_pixels ||
        (uint64_t)(ispe_width > 0 ? ispe_width : 0) * (uint64_t)(ispe_height > 0 ? ispe_height : 0) > max_pixels)
        return cheif_fail(status, CIMG_ERR_TOO_MANY_PIXELS, "too many pixels");
    int bits = heif_image_handle_get_luma_bits_per_pixel(handle);
    if (bits <= 0) bits = 8;
    if (bits > 16) return cheif_fail(status, CIMG_ERR_CORRUPT, "unsupported bit depth");
    source->bits = bits;
    source->alpha = heif_image_handle_has_alpha_channel(handle) ? 1 : 0;

    size_t icc_size = heif_image_handle_get_raw_color_profile_size(handle);
    if (icc_size > 0 && icc_size <= CHEIF_MAX_ICC_COPY) {
        source->icc = malloc(icc_size);
        if (source->icc == NULL) return cheif_fail(status, CIMG_ERR_NO_MEMORY, "out of memory for the ICC profile");
        if (heif_image_handle_get_raw_color_profile(handle, source->icc).code != heif_error_Ok) {
            free(source->icc);
            source->icc = NULL;
        } else {
            source->icc_size = icc_size;
        }
    }
    source->transfer = 13;
    source->matrix = 6;
    source->full_range = 1;
    float srgb[8] = {0.64f, 0.33f, 0.30f, 0.60f, 0.15f, 0.06f, 0.3127f, 0.3290f};
    memcpy(source->primaries, srgb, sizeof srgb);
    struct heif_color_profile_nclx *nclx = NULL;
    if (heif_image_handle_get_nclx_color_profile(handle, &nclx).code == heif_error_Ok && nclx != NULL) {
        source->transfer = (int)nclx->transfer_characteristics;
        source->matrix = (int)nclx->matrix_coefficients;
        source->full_range = nclx->full_range_flag ? 1 : 0;
        if (nclx->color_primaries != heif_color_primaries_unspecified && nclx->color_primary_red_y > 0 &&
            nclx->color_primary_green_y > 0 && nclx->color_primary_blue_y > 0 && nclx->color_primary_white_y > 0) {
            float decoded[8] = {nclx->color_primary_red_x,   nclx->color_primary_red_y,
                                nclx->color_primary_green_x, nclx->color_primary_green_y,
                                nclx->color_primary_blue_x,  nclx->color_primary_blue_y,
                                nclx->color_primary_white_x, nclx->color_primary_white_y};
            memcpy(source->primaries, decoded, sizeof decoded);
        }
        heif_nclx_color_profile_free(nclx);
    }
    // An ICC profile describes the samples as they are and travels into the derivatives; without one, nclx
    // primaries other than sRGB's and HDR transfer functions are converted to sRGB.
    source->convert = source->icc == NULL &&
                      (cimg_is_hdr_transfer(source->transfer) || !cimg_is_srgb_primaries(source->primaries));
    if (details != NULL) {
        details->bit_depth = bits;
        details->transfer = source->transfer;
        details->converted = source->convert;
    }
    return CIMG_OK;
}

/// Hands the profile over to the caller.
static void cheif_take_icc(cheif_source *source, uint8_t **icc, size_t *icc_length) {
    *icc = source->icc;
    *icc_length = source->icc_size;
    source->icc = NULL;
    source->icc_size = 0;
}

static void cheif_succeed(cimg_status *status) {
    if (status != NULL) {
        status->code = CIMG_OK;
        status->message[0] = 0;
    }
}

int cheif_decode(const uint8_t *data, size_t size, uint64_t max_pixels, int max_threads, cimg_pixels *out,
                 cimg_heif_details *details, cimg_status *status) {
    if (data == NULL || size == 0 || out == NULL) return cheif_fail(status, CIMG_ERR_INVALID_ARGUMENT, "no data");
    memset(out, 0, sizeof *out);
    cheif_source source;
    struct heif_image *image = NULL;
    struct heif_decoding_options *options = NULL;
    uint8_t *pixels = NULL;
    int result = cheif_open(data, size, max_pixels, max_threads, &source, details, status);
    if (result != CIMG_OK) goto done;
    int bits = source.bits;
    int alpha = source.alpha;
    int channels = alpha ? 4 : 3;

    options = heif_decoding_options_alloc();
    if (options == NULL) {
        result = cheif_fail(status, CIMG_ERR_NO_MEMORY, "cannot allocate decoding options");
        goto done;
    }
    options->ignore_transformations = 0;  // irot, imir and clap are applied once, here; EXIF orientation never.
    options->convert_hdr_to_8bit = 0;     // High bit depths are mapped below, not truncated by libheif.
    enum heif_chroma chroma = bits > 8 ? (alpha ? heif_chroma_interleaved_RRGGBBAA_LE : heif_chroma_interleaved_RRGGBB_LE)
                                       : (alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB);
    struct heif_error error = heif_decode_image(source.handle, &image, heif_colorspace_RGB, chroma, options);
    if (error.code != heif_error_Ok) {
        result = cheif_error(status, error);
        goto done;
    }
    int stride = 0;
    const uint8_t *plane = heif_image_get_plane_readonly(image, heif_channel_interleaved, &stride);
    int decoded_width = heif_image_get_width(image, heif_channel_interleaved);
    int decoded_height = heif_image_get_height(image, heif_channel_interleaved);
    int bytes_per_sample = bits > 8 ? 2 : 1;
    if (plane == NULL || decoded_width <= 0 || decoded_height <= 0 ||
        (uint64_t)decoded_width * (uint64_t)decoded_height > max_pixels ||
        stride < decoded_width * channels * bytes_per_sample) {
        result = cheif_fail(status, CIMG_ERR_CORRUPT, "the decoded image is unusable");
        goto done;
    }
    size_t count = (size_t)decoded_width * (size_t)decoded_height;
    pixels = malloc(count * (size_t)channels);
    if (pixels == NULL) {
        result = cheif_fail(status, CIMG_ERR_NO_MEMORY, "out of memory for the decoded image");
        goto done;
    }
    if (source.convert) {
        double peak = 0;
        if (heif_image_has_content_light_level(image)) {
            struct heif_content_light_level level;
            heif_image_get_content_light_level(image, &level);
            peak = level.max_content_light_level;
        }
        int code = cimg_convert_to_srgb(plane, (size_t)stride, decoded_width, decoded_height, channels, bits,
                                        source.transfer, source.primaries, peak, pixels, status);
        if (code != CIMG_OK) {
            result = code;
            goto done;
        }
    } else if (bits > 8) {
        // Full-range rescale (v * 255 / max, rounded): an SDR 10- or 12-bit image keeps its tones.
        int maximum = (1 << bits) - 1;
        for (int y = 0; y < decoded_height; y++) {
            const uint8_t *row = plane + (size_t)y * (size_t)stride;
            uint8_t *target = pixels + (size_t)y * (size_t)decoded_width * (size_t)channels;
            for (int i = 0; i < decoded_width * channels; i++) {
                int v = row[i * 2] | (row[i * 2 + 1] << 8);
                if (v > maximum) v = maximum;
                target[i] = (uint8_t)((v * 255 + maximum / 2) / maximum);
            }
        }
    } else {
        for (int y = 0; y < decoded_height; y++) {
            memcpy(pixels + (size_t)y * (size_t)decoded_width * (size_t)channels, plane + (size_t)y * (size_t)stride,
                   (size_t)decoded_width * (size_t)channels);
        }
    }
    if (alpha && heif_image_handle_is_premultiplied_alpha(source.handle)) cheif_unpremultiply(pixels, count);
    int transparent = 0;
    if (alpha) {
        for (size_t i = 0; i < count; i++) {
            if (pixels[i * 4 + 3] != 255) {
                transparent = 1;
                break;
            }
        }
    }
    out->data = pixels;
    out->width = decoded_width;
    out->height = decoded_height;
    out->channels = channels;
    out->has_alpha = transparent;
    cheif_take_icc(&source, &out->icc, &out->icc_length);
    pixels = NULL;
    cheif_succeed(status);

done:
    free(pixels);
    if (options != NULL) heif_decoding_options_free(options);
    if (image != NULL) heif_image_release(image);
    cheif_close(&source);
    return result;
}

int cheif_decode_ycc(const uint8_t *data, size_t size, uint64_t max_pixels, int max_threads, cheif_ycc *out,
                     cimg_heif_details *details, cimg_status *status) {
    if (data == NULL || size == 0 || out == NULL) return cheif_fail(status, CIMG_ERR_INVALID_ARGUMENT, "no data");
    memset(out, 0, sizeof *out);
    cheif_source source;
    struct heif_image *image = NULL;
    struct heif_decoding_options *options = NULL;
    int result = cheif_open(data, size, max_pixels, max_threads, &source, details, status);
    if (result != CIMG_OK) goto done;
    // Only what JFIF's YCbCr is: 8-bit, opaque, full-range BT.601 (or unspecified), left as it is.
    int matrix_is_jfif = source.matrix == 5 || source.matrix == 6 || source.matrix == 2;
    if (source.bits != 8 || source.alpha || source.convert || !matrix_is_jfif || !source.full_range) {
        result = cheif_fail(status, CIMG_ERR_NOT_PLANAR, "not an 8-bit full-range BT.601 opaque image");
        goto done;
    }
    options = heif_decoding_options_alloc();
    if (options == NULL) {
        result = cheif_fail(status, CIMG_ERR_NO_MEMORY, "cannot allocate decoding options");
        goto done;
    }
    options->ignore_transformations = 0;  // irot, imir and clap are applied once, here; EXIF orientation never.
    struct heif_error error = heif_decode_image(source.handle, &image, heif_colorspace_YCbCr, heif_chroma_420, options);
    if (error.code != heif_error_Ok) {
        // A layout libheif cannot give as 4:2:0 (or a damaged file): the RGB path decodes it, or says why not.
        result = cheif_fail(status, CIMG_ERR_NOT_PLANAR, error.message);
        goto done;
    }
    // The codec's own colour description (HEVC VUI, AV1 sequence header) may say what the colr box did not.
    struct heif_color_profile_nclx *decoded_nclx = NULL;
    if (heif_image_get_nclx_color_profile(image, &decoded_nclx).code == heif_error_Ok && decoded_nclx != NULL) {
        int matrix = (int)decoded_nclx->matrix_coefficients;
        int full_range = decoded_nclx->full_range_flag ? 1 : 0;
        heif_nclx_color_profile_free(decoded_nclx);
        if (!(matrix == 5 || matrix == 6 || matrix == 2) || !full_range) {
            result = cheif_fail(status, CIMG_ERR_NOT_PLANAR, "the decoded image is not full-range BT.601");
            goto done;
        }
    }
    if (heif_image_get_bits_per_pixel_range(image, heif_channel_Y) != 8) {
        result = cheif_fail(status, CIMG_ERR_NOT_PLANAR, "the decoded planes are not 8-bit");
        goto done;
    }
    int width = heif_image_get_width(image, heif_channel_Y);
    int height = heif_image_get_height(image, heif_channel_Y);
    int chroma_width = heif_image_get_width(image, heif_channel_Cb);
    int chroma_height = heif_image_get_height(image, heif_channel_Cb);
    const uint8_t *y = heif_image_get_plane_readonly(image, heif_channel_Y, &out->y_stride);
    const uint8_t *cb = heif_image_get_plane_readonly(image, heif_channel_Cb, &out->cb_stride);
    const uint8_t *cr = heif_image_get_plane_readonly(image, heif_channel_Cr, &out->cr_stride);
    if (y == NULL || cb == NULL || cr == NULL || width <= 0 || height <= 0 ||
        (uint64_t)width * (uint64_t)height > max_pixels || chroma_width != (width + 1) / 2 ||
        chroma_height != (height + 1) / 2 || heif_image_get_width(image, heif_channel_Cr) != chroma_width ||
        heif_image_get_height(image, heif_channel_Cr) != chroma_height || out->y_stride < width ||
        out->cb_stride < chroma_width || out->cr_stride < chroma_width) {
        result = cheif_fail(status, CIMG_ERR_NOT_PLANAR, "the decoded planes are not 4:2:0");
        goto done;
    }
    out->y = y;
    out->cb = cb;
    out->cr = cr;
    out->width = width;
    out->height = height;
    out->chroma_width = chroma_width;
    out->chroma_height = chroma_height;
    out->image = image;
    image = NULL;
    cheif_take_icc(&source, &out->icc, &out->icc_length);
    cheif_succeed(status);

done:
    if (options != NULL) heif_decoding_options_free(options);
    if (image != NULL) heif_image_release(image);
    cheif_close(&source);
    return result;
}

void cheif_ycc_release(cheif_ycc *ycc) {
    if (ycc == NULL) return;
    if (ycc->image != NULL) heif_image_release((struct heif_image *)ycc->image);
    free(ycc->icc);
    memset(ycc, 0, sizeof *ycc);
}

/// Collects the bytes libheif writes.
typedef struct cheif_sink {
    uint8_t *data;
    size_t length;
    int failed;
} cheif_sink;

static struct heif_error cheif_write(struct heif_context *context, const void *data, size_t size, void *user) {
    (void)context;
    cheif_sink *sink = user;
    struct heif_error ok = {heif_error_Ok, heif_suberror_Unspecified, "ok"};
    uint8_t *grown = realloc(sink->data, sink->length + size);
    if (grown == NULL) {
        sink->failed = 1;
        struct heif_error error = {heif_error_Memory_allocation_error, heif_suberror_Unspecified, "out of memory"};
        return error;
    }
    memcpy(grown + sink->length, data, size);
    sink->data = grown;
    sink->length += size;
    return ok;
}

int cheif_encode(const uint8_t *pixels, int width, int height, int channels, int bits, int avif, int quality,
                 int orientation, int transfer, int primaries, const uint8_t *exif, size_t exif_length,
                 const uint8_t *icc, size_t icc_length, uint8_t **out, size_t *out_length, cimg_status *status) {
    if (pixels == NULL || width <= 0 || height <= 0 || (channels != 3 && channels != 4) || out == NULL ||
        out_length == NULL || (bits != 8 && bits != 10 && bits != 12))
        return cheif_fail(status, CIMG_ERR_INVALID_ARGUMENT, "unusable encoding arguments");
    *out = NULL;
    *out_length = 0;
    struct heif_context *context = heif_context_alloc();
    struct heif_image *image = NULL;
    struct heif_encoder *encoder = NULL;
    struct heif_encoding_options *options = NULL;
    struct heif_color_profile_nclx *nclx = NULL;
    cheif_sink sink = {NULL, 0, 0};
    int result = CIMG_OK;
    enum heif_chroma chroma = bits > 8 ? (channels == 4 ? heif_chroma_interleaved_RRGGBBAA_LE
                                                        : heif_chroma_interleaved_RRGGBB_LE)
                                       : (channels == 4 ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB);
    struct heif_error error = heif_image_create(width, height, heif_colorspace_RGB, chroma, &image);
    if (error.code != heif_error_Ok) goto fail;
    error = heif_image_add_plane(image, heif_channel_interleaved, width, height, bits);
    if (error.code != heif_error_Ok) goto fail;
    int stride = 0;
    uint8_t *plane = heif_image_get_plane(image, heif_channel_interleaved, &stride);
    size_t row_bytes = (size_t)width * (size_t)channels * (bits > 8 ? 2 : 1);
    for (int y = 0; y < height; y++) memcpy(plane + (size_t)y * (size_t)stride, pixels + (size_t)y * row_bytes, row_bytes);
    if (icc != NULL && icc_length > 0) {
        error = heif_image_set_raw_color_profile(image, "prof", icc, icc_length);
        if (error.code != heif_error_Ok) goto fail;
    }
    if (transfer > 0 || primaries > 0) {
        nclx = heif_nclx_color_profile_alloc();
        if (primaries > 0) heif_nclx_color_profile_set_color_primaries(nclx, (uint16_t)primaries);
        if (transfer > 0) heif_nclx_color_profile_set_transfer_characteristics(nclx, (uint16_t)transfer);
        heif_nclx_color_profile_set_matrix_coefficients(nclx, 6);
        nclx->full_range_flag = 1;
        error = heif_image_set_nclx_color_profile(image, nclx);
        if (error.code != heif_error_Ok) goto fail;
    }
    error = heif_context_get_encoder_for_format(context, avif ? heif_compression_AV1 : heif_compression_HEVC, &encoder);
    if (error.code != heif_error_Ok) goto fail;
    heif_encoder_set_lossy_quality(encoder, quality);
    // 4:2:0 always: libaom asserts (aborts) on some 10-bit RGB inputs when left to choose.
    heif_encoder_set_parameter(encoder, "chroma", "420");
    options = heif_encoding_options_alloc();
    options->image_orientation = (orientation >= 1 && orientation <= 8) ? (enum heif_orientation)orientation
                                                                         : heif_orientation_normal;
    if (nclx != NULL) {
        options->output_nclx_profile = nclx;
        // Otherwise libheif 1.15 leaves the colr nclx box out "for macOS", and the file says nothing of its colour.
        options->macOS_compatibility_workaround_no_nclx_profile = 0;
    }
    struct heif_image_handle *handle = NULL;
    error = heif_context_encode_image(context, image, encoder, options, &handle);
    if (error.code != heif_error_Ok) goto fail;
    if (exif != NULL && exif_length > 0) {
        error = heif_context_add_exif_metadata(context, handle, exif, (int)exif_length);
        if (error.code != heif_error_Ok) {
            heif_image_handle_release(handle);
            goto fail;
        }
    }
    heif_image_handle_release(handle);
    struct heif_writer writer = {1, cheif_write};
    error = heif_context_write(context, &writer, &sink);
    if (error.code != heif_error_Ok || sink.failed) goto fail;
    // libheif 1.15 writes the oriented size into ispe when irot turns the image a quarter; the specification (and
    // libheif 1.16 on) wants the coded size. Swap it back, so that the file is what cameras write.
    if (orientation >= 5 && orientation <= 8) {
        for (size_t i = 4; i + 16 <= sink.length; i++) {
            if (memcmp(sink.data + i, "ispe", 4) != 0) continue;
            uint8_t *w = sink.data + i + 8, *h = sink.data + i + 12, swap[4];
            memcpy(swap, w, 4);
            memcpy(w, h, 4);
            memcpy(h, swap, 4);
        }
    }
    *out = sink.data;
    *out_length = sink.length;
    sink.data = NULL;
    goto done;
fail:
    result = cheif_error(status, error);
done:
    free(sink.data);
    if (options != NULL) heif_encoding_options_free(options);
    if (nclx != NULL) heif_nclx_color_profile_free(nclx);
    if (encoder != NULL) heif_encoder_release(encoder);
    if (image != NULL) heif_image_release(image);
    heif_context_free(context);
    return result;
}
