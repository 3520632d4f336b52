// libpng shims: decode any PNG into 8-bit gray/gray+alpha/RGB/RGBA and encode 8-bit PNGs, with
// libpng's errors turned into status codes inside C (no exit, no stderr, no longjmp over Swift).

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "CImageCodecs.h"

/// Width/height limit handed to libpng; the real budget is the caller's pixel limit.
#define CPNG_MAX_DIMENSION 200000

/// Largest single ancillary chunk (iCCP, zTXt, iTXt...) libpng may allocate or inflate.
#define CPNG_CHUNK_MALLOC_MAX (8 * 1024 * 1024)

/// iCCP profiles above this size are not copied into derivatives (as for JPEG: they would dwarf the thumbnail).
#define CPNG_MAX_ICC_COPY (64 * 1024)

/// Number of stored text/unknown chunks before libpng starts dropping them (defends against floods).
#define CPNG_CHUNK_CACHE_MAX 256

typedef struct cpng_context {
    jmp_buf jump;
    int code;
    char message[200];
    // Decoding source.
    const uint8_t *data;
    size_t size;
    size_t position;
    // Encoding sink.
    uint8_t *output;
    size_t output_length;
    size_t output_capacity;
} cpng_context;

static void cpng_set_status(cimg_status *status, int code, const char *message) {
    if (status == NULL) return;
    status->code = code;
    if (message == NULL) message = "";
    snprintf(status->message, sizeof status->message, "%s", message);
}

static void cpng_error(png_structp png, png_const_charp message) {
    cpng_context *context = (cpng_context *)png_get_error_ptr(png);
    if (context->code == CIMG_OK) context->code = CIMG_ERR_CORRUPT;
    snprintf(context->message, sizeof context->message, "%s", message ? message : "PNG error");
    longjmp(context->jump, 1);
}

static void cpng_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static void cpng_read(png_structp png, png_bytep destination, size_t length) {
    cpng_context *context = (cpng_context *)png_get_io_ptr(png);
    if (length > context->size - context->position) {
        png_error(png, "The PNG data ended early");
    }
    memcpy(destination, context->data + context->position, length);
    context->position += length;
}

static void cpng_write(png_structp png, png_bytep source, size_t length) {
    cpng_context *context = (cpng_context *)png_get_io_ptr(png);
    if (length > context->output_capacity - context->output_length) {
        size_t capacity = context->output_capacity ? context->output_capacity : 64 * 1024;
        while (capacity - context->output_length < length) {
            if (capacity > SIZE_MAX / 2) png_error(png, "PNG output too large");
            capacity *= 2;
        }
        uint8_t *grown = realloc(context->output, capacity);
        if (grown == NULL) {
            context->code = CIMG_ERR_NO_MEMORY;
            png_error(png, "Out of memory while encoding a PNG");
        }
        context->output = grown;
        context->output_capacity = capacity;
    }
    memcpy(context->output + context->output_length, source, length);
    context->output_length += length;
}

static void cpng_flush(png_structp png) {
    (void)png;
}

/// A copy of the iCCP profile when its colour space fits the decoded pixels (RGB for colour and palette images,
/// GRAY for gray ones) and it is small enough to carry, else NULL. libpng has already checked the chunk's
/// header against the image (a damaged or mismatched iCCP is dropped with a warning).
static uint8_t *cpng_copy_icc(png_structp png, png_infop info, size_t *length) {
    png_charp name = NULL;
    int compression = 0;
    png_bytep profile = NULL;
    png_uint_32 profile_length = 0;
    *length = 0;
    if (!png_get_valid(png, info, PNG_INFO_iCCP) ||
        !png_get_iCCP(png, info, &name, &compression, &profile, &profile_length) || profile == NULL ||
        profile_length < 132 || profile_length > CPNG_MAX_ICC_COPY) {
        return NULL;
    }
    const int colour = (png_get_color_type(png, info) & PNG_COLOR_MASK_COLOR) != 0;
    if (memcmp(profile + 16, colour ? "RGB " : "GRAY", 4) != 0) return NULL;
    uint8_t *copy = malloc(profile_length);
    if (copy == NULL) return NULL;
    memcpy(copy, profile, profile_length);
    *length = profile_length;
    return copy;
}

static int cpng_any_transparent(const uint8_t *pixels, size_t pixel_count, int channels) {
    const uint8_t *alpha = pixels + (channels - 1);
    for (size_t i = 0; i < pixel_count; i++, alpha += channels) {
        if (*alpha != 255) return 1;
    }
    return 0;
}

int cpng_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                cimg_pixels *out, cimg_status *status) {
    cpng_context context;
    png_structp png = NULL;
    png_infop info = NULL;
    // Written after setjmp and read in the error branch, hence volatile.
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    uint8_t *volatile icc = NULL;
    size_t icc_length = 0;

    if (out == NULL || data == NULL || size == 0) {
        cpng_set_status(status, CIMG_ERR_INVALID_ARGUMENT, "Invalid arguments to the PNG decoder");
        return CIMG_ERR_INVALID_ARGUMENT;
    }
    memset(out, 0, sizeof *out);
    memset(&context, 0, sizeof context);
    context.data = data;
    context.size = size;

    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, cpng_error, cpng_warning);
    if (png == NULL) {
        cpng_set_status(status, CIMG_ERR_NO_MEMORY, "Out of memory while decoding a PNG");
        return CIMG_ERR_NO_MEMORY;
    }
    info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        cpng_set_status(status, CIMG_ERR_NO_MEMORY, "Out of memory while decoding a PNG");
        return CIMG_ERR_NO_MEMORY;
    }

    if (setjmp(context.jump)) {
        free(rows);
        free(pixels);
        free(icc);
        png_destroy_read_struct(&png, &info, NULL);
        cpng_set_status(status, context.code, context.message);
        return context.code;
    }

    png_set_user_limits(png, CPNG_MAX_DIMENSION, CPNG_MAX_DIMENSION);
    png_set_chunk_malloc_max(png, CPNG_CHUNK_MALLOC_MAX);
    png_set_chunk_cache_max(png, CPNG_CHUNK_CACHE_MAX);
    png_set_read_fn(png, &context, cpng_read);
    png_read_info(png, info);

    const png_uint_32 width = png_get_image_width(png, info);
    const png_uint_32 height = png_get_image_height(png, info);
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        context.code = CIMG_ERR_TOO_MANY_PIXELS;
        png_error(png, "The image has too many pixels");
    }

    icc = cpng_copy_icc(png, info, &icc_length);

    // Palette -> RGB, gray < 8 bit -> 8 bit, tRNS -> alpha channel; gray stays gray.
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    const int channels = png_get_channels(png, info);
    const size_t rowbytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || png_get_bit_depth(png, info) != 8 ||
        rowbytes != (size_t)width * (size_t)channels) {
        png_error(png, "Unsupported PNG pixel layout");
    }

    pixels = malloc(rowbytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (pixels == NULL || rows == NULL) {
        context.code = CIMG_ERR_NO_MEMORY;
        png_error(png, "Out of memory while decoding a PNG");
    }
    for (png_uint_32 y = 0; y < height; y++) {
        rows[y] = pixels + (size_t)y * rowbytes;
    }
    png_read_image(png, rows);
    // Trailing chunks after the image data (text, IEND) are not needed, so png_read_end is skipped:
    // a file cut off right after its last IDAT still has every pixel.

    free(rows);
    png_destroy_read_struct(&png, &info, NULL);

    out->data = pixels;
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    out->has_alpha = (channels == 2 || channels == 4)
        ? cpng_any_transparent(pixels, (size_t)width * height, channels) : 0;
    out->icc = icc;
    out->icc_length = icc != NULL ? icc_length : 0;
    cpng_set_status(status, CIMG_OK, "");
    return CIMG_OK;
}

int cpng_encode(const uint8_t *pixels, int width, int height, int channels, int compression_level,
                const uint8_t *icc, size_t icc_length, uint8_t **out, size_t *out_length, cimg_status *status) {
    cpng_context context;
    png_structp png = NULL;
    png_infop info = NULL;

    if (pixels == NULL || out == NULL || out_length == NULL || width <= 0 || height <= 0 ||
        channels < 1 || channels > 4) {
        cpng_set_status(status, CIMG_ERR_INVALID_ARGUMENT, "Invalid arguments to the PNG encoder");
        return CIMG_ERR_INVALID_ARGUMENT;
    }
    *out = NULL;
    *out_length = 0;
    memset(&context, 0, sizeof context);

    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, cpng_error, cpng_warning);
    if (png == NULL) {
        cpng_set_status(status, CIMG_ERR_NO_MEMORY, "Out of memory while encoding a PNG");
        return CIMG_ERR_NO_MEMORY;
    }
    info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        cpng_set_status(status, CIMG_ERR_NO_MEMORY, "Out of memory while encoding a PNG");
        return CIMG_ERR_NO_MEMORY;
    }
    if (setjmp(context.jump)) {
        png_destroy_write_struct(&png, &info);
        free(context.output);
        cpng_set_status(status, context.code, context.message);
        return context.code;
    }

    static const int color_types[5] = {
        0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA
    };
    png_set_write_fn(png, &context, cpng_write, cpng_flush);
    if (compression_level < 0 || compression_level > 9) compression_level = 6;
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, color_types[channels],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (icc != NULL && icc_length >= 132 && icc_length <= CPNG_MAX_ICC_COPY) {
        // A profile libpng rejects (wrong colour space for the pixels, damaged header) is left out with a warning
        // instead of failing the whole derivative.
        png_set_benign_errors(png, 1);
        png_set_iCCP(png, info, "ICC profile", PNG_COMPRESSION_TYPE_BASE, icc, (png_uint_32)icc_length);
    }
    png_write_info(png, info);
    const size_t stride = (size_t)width * (size_t)channels;
    for (int y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(pixels + (size_t)y * stride));
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);

    *out = context.output;
    *out_length = context.output_length;
    cpng_set_status(status, CIMG_OK, "");
    return CIMG_OK;
}
