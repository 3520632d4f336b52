// libjpeg-turbo shims: decode at a DCT scale and encode progressive JPEGs without ever calling
// exit(), printing to stderr, or longjmp-ing across a Swift frame.

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "CImageCodecs.h"
#include "jpeg_internal.h"

/// Progressive scans for derivatives: each component's DC, then the luma's lowest frequencies (a sharp-enough
/// first look), the chroma, and the rest of the luma. Unlike jpeg_simple_progression's ten scans it uses no
/// successive approximation, which on 1280-pixel photos encodes in 23 ms instead of 40 for files 1.4% larger.
static const jpeg_scan_info cjpeg_color_scans[] = {
    { 1, { 0 }, 0, 0, 0, 0 },
    { 1, { 1 }, 0, 0, 0, 0 },
    { 1, { 2 }, 0, 0, 0, 0 },
    { 1, { 0 }, 1, 5, 0, 0 },
    { 1, { 1 }, 1, 63, 0, 0 },
    { 1, { 2 }, 1, 63, 0, 0 },
    { 1, { 0 }, 6, 63, 0, 0 },
};
static const jpeg_scan_info cjpeg_gray_scans[] = {
    { 1, { 0 }, 0, 0, 0, 0 },
    { 1, { 0 }, 1, 5, 0, 0 },
    { 1, { 0 }, 6, 63, 0, 0 },
};


void cjpeg_set_status(cimg_status *status, int code, const char *message) {
    if (status == NULL) return;
    status->code = code;
    if (message == NULL) message = "";
    snprintf(status->message, sizeof status->message, "%s", message);
}

static void cjpeg_error_exit(j_common_ptr cinfo) {
    cjpeg_error_mgr *err = (cjpeg_error_mgr *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    switch (cinfo->err->msg_code) {
    case JERR_OUT_OF_MEMORY:
        err->code = CIMG_ERR_NO_MEMORY;
        break;
    case JERR_NO_BACKING_STORE:
        // The decoder wanted more than CJPEG_MAX_MEMORY: too large for this worker, not damaged.
        err->code = CIMG_ERR_NO_MEMORY;
        snprintf(err->message, sizeof err->message, "it needs more than %ld MB to decode",
                 CJPEG_MAX_MEMORY / (1024L * 1024L));
        break;
    default:
        err->code = CIMG_ERR_CORRUPT;
        break;
    }
    longjmp(err->jump, 1);
}

// Warnings are silent, except the ones that mean the data ran out in the middle of the image:
// libjpeg would pad the rest with grey and report success, storing a half-grey photo as if it were fine.
static void cjpeg_emit_message(j_common_ptr cinfo, int msg_level) {
    cjpeg_error_mgr *err = (cjpeg_error_mgr *)cinfo->err;
    if (msg_level >= 0) return;
    err->pub.num_warnings++;
    if (err->pub.msg_code == JWRN_JPEG_EOF || err->pub.msg_code == JWRN_HIT_MARKER) {
        (*cinfo->err->format_message)(cinfo, err->message);
        err->code = CIMG_ERR_CORRUPT;
        longjmp(err->jump, 1);
    }
}

static void cjpeg_output_message(j_common_ptr cinfo) {
    (void)cinfo;
}

void cjpeg_progress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr dinfo = (j_decompress_ptr)cinfo;
    if (dinfo->input_scan_number > CJPEG_MAX_SCANS) {
        cjpeg_error_mgr *err = (cjpeg_error_mgr *)cinfo->err;
        snprintf(err->message, sizeof err->message, "Progressive JPEG has more than %d scans",
                 CJPEG_MAX_SCANS);
        err->code = CIMG_ERR_CORRUPT;
        longjmp(err->jump, 1);
    }
}

void cjpeg_install_error_manager(cjpeg_error_mgr *err) {
    jpeg_std_error(&err->pub);
    err->pub.error_exit = cjpeg_error_exit;
    err->pub.emit_message = cjpeg_emit_message;
    err->pub.output_message = cjpeg_output_message;
    err->code = CIMG_OK;
    err->message[0] = '\0';
}

/// True when the profile's colour space signature (bytes 16..19) fits the decoded pixels.
int cjpeg_icc_matches(const uint8_t *icc, size_t length, int channels) {
    if (icc == NULL || length < 128 || length > CJPEG_MAX_ICC_COPY) return 0;
    const char *space = (const char *)icc + 16;
    if (channels == 3) return memcmp(space, "RGB ", 4) == 0;
    if (channels == 1) return memcmp(space, "GRAY", 4) == 0;
    return 0;
}

static const JOCTET cjpeg_fake_eoi[2] = { 0xFF, JPEG_EOI };

static void cjpeg_init_source(j_decompress_ptr cinfo) {
    (void)cinfo;
}

static boolean cjpeg_fill_input_buffer(j_decompress_ptr cinfo) {
    cjpeg_source_mgr *src = (cjpeg_source_mgr *)cinfo->src;
    src->hit_end = 1;
    src->pub.next_input_byte = cjpeg_fake_eoi;
    src->pub.bytes_in_buffer = 2;
    return TRUE;
}

static void cjpeg_skip_input_data(j_decompress_ptr cinfo, long num_bytes) {
    struct jpeg_source_mgr *src = cinfo->src;
    if (num_bytes <= 0) return;
    while (num_bytes > (long)src->bytes_in_buffer) {
        num_bytes -= (long)src->bytes_in_buffer;
        (void)(*src->fill_input_buffer)(cinfo);
    }
    src->next_input_byte += (size_t)num_bytes;
    src->bytes_in_buffer -= (size_t)num_bytes;
}

static void cjpeg_term_source(j_decompress_ptr cinfo) {
    (void)cinfo;
}

static void cjpeg_memory_source(j_decompress_ptr cinfo, cjpeg_source_mgr *src, const uint8_t *data, size_t size) {
    src->pub.init_source = cjpeg_init_source;
    src->pub.fill_input_buffer = cjpeg_fill_input_buffer;
    src->pub.skip_input_data = cjpeg_skip_input_data;
    src->pub.resync_to_restart = jpeg_resync_to_restart;
    src->pub.term_source = cjpeg_term_source;
    src->pub.next_input_byte = data;
    src->pub.bytes_in_buffer = size;
    src->hit_end = 0;
    cinfo->src = &src->pub;
}

void cjpeg_read_header(j_decompress_ptr cinfo, struct jpeg_progress_mgr *progress, cjpeg_source_mgr *source,
                       const uint8_t *data, size_t size) {
    jpeg_create_decompress(cinfo);
    cinfo->mem->max_memory_to_use = CJPEG_MAX_MEMORY;
    progress->progress_monitor = cjpeg_progress;
    cinfo->progress = progress;
    cjpeg_memory_source(cinfo, source, data, size);
    jpeg_save_markers(cinfo, JPEG_APP0 + 2, 0xFFFF);
    jpeg_read_header(cinfo, TRUE);
}

void cimg_free(void *pointer) {
    free(pointer);
}

int cjpeg_decode_scaled(const uint8_t *data, size_t size, int scale_denom, uint64_t max_pixels,
                        cimg_pixels *out, cimg_status *status) {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_progress_mgr progress;
    cjpeg_source_mgr source;
    cjpeg_error_mgr err;
    // Written after setjmp and read in the error branch, hence volatile.
    uint8_t *volatile pixels = NULL;
    JSAMPLE *volatile cmyk_row = NULL;
    JOCTET *volatile icc = NULL;
    volatile unsigned int icc_length = 0;
    volatile cjpeg_cmyk_converter converter = { NULL, NULL, 0 };

    if (out == NULL || data == NULL || size == 0 ||
        !cjpeg_is_scale_denominator(scale_denom)) {
        cjpeg_set_status(status, CIMG_ERR_INVALID_ARGUMENT, "Invalid arguments to the JPEG decoder");
        return CIMG_ERR_INVALID_ARGUMENT;
    }
    memset(out, 0, sizeof *out);
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = &err.pub;
    cjpeg_install_error_manager(&err);

    if (setjmp(err.jump)) {
        cjpeg_cmyk_converter opened = converter;
        cjpeg_cmyk_converter_close(&opened);
        free(pixels);
        free(cmyk_row);
        free(icc);
        jpeg_destroy_decompress(&cinfo);
        cjpeg_set_status(status, err.code, err.message);
        return err.code;
    }

    cjpeg_read_header(&cinfo, &progress, &source, data, size);

    if ((uint64_t)cinfo.image_width * (uint64_t)cinfo.image_height > max_pixels) {
        jpeg_destroy_decompress(&cinfo);
        cjpeg_set_status(status, CIMG_ERR_TOO_MANY_PIXELS, "The image has too many pixels");
        return CIMG_ERR_TOO_MANY_PIXELS;
    }

    int cmyk = 0;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo.out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        // libjpeg converts YCCK to CMYK but not CMYK to RGB; that last step happens per row below.
        cinfo.out_color_space = JCS_CMYK;
        cmyk = 1;
        break;
    default:
        cinfo.out_color_space = JCS_RGB;
        break;
    }
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int)scale_denom;

    // The APP2 markers were saved by jpeg_read_header: the profile is known before the first pixel.
    JOCTET *profile = NULL;
    unsigned int profile_length = 0;
    if (jpeg_read_icc_profile(&cinfo, &profile, &profile_length)) {
        icc = profile;
        icc_length = profile_length;
    }
    if (cmyk) {
        cjpeg_cmyk_converter opened;
        cjpeg_cmyk_converter_open(&opened, icc, icc_length, cinfo.saw_Adobe_marker);
        converter = opened;
    }

    jpeg_start_decompress(&cinfo);

    const int channels = cmyk ? 3 : cinfo.output_components;
    const size_t width = cinfo.output_width;
    const size_t height = cinfo.output_height;
    if ((channels != 1 && channels != 3) || width == 0 || height == 0) {
        snprintf(err.message, sizeof err.message, "Unsupported JPEG component layout");
        err.code = CIMG_ERR_CORRUPT;
        longjmp(err.jump, 1);
    }
    const size_t stride = width * (size_t)channels;
    pixels = malloc(stride * height);
    if (pixels == NULL) {
        snprintf(err.message, sizeof err.message, "Out of memory while decoding a JPEG");
        err.code = CIMG_ERR_NO_MEMORY;
        longjmp(err.jump, 1);
    }
    if (cmyk) {
        cmyk_row = malloc(width * 4);
        if (cmyk_row == NULL) {
            snprintf(err.message, sizeof err.message, "Out of memory while decoding a JPEG");
            err.code = CIMG_ERR_NO_MEMORY;
            longjmp(err.jump, 1);
        }
    }

    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *row = pixels + (size_t)cinfo.output_scanline * stride;
        if (cmyk) {
            JSAMPROW rows[1] = { cmyk_row };
            if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) break;
            cjpeg_cmyk_converter opened = converter;
            cjpeg_cmyk_convert_row(&opened, cmyk_row, row, cinfo.output_width);
        } else {
            JSAMPROW rows[1] = { row };
            if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) break;
        }
    }
    if (cinfo.output_scanline < cinfo.output_height) {
        snprintf(err.message, sizeof err.message, "The JPEG data ended early");
        err.code = CIMG_ERR_CORRUPT;
        longjmp(err.jump, 1);
    }

    // A multi-scan (progressive) file cut between two scans decodes without any warning, just blurrier
    // or with missing colour, so running out of data there is corruption too.
    if (source.hit_end && jpeg_has_multiple_scans(&cinfo)) {
        snprintf(err.message, sizeof err.message, "Premature end of JPEG file");
        err.code = CIMG_ERR_CORRUPT;
        longjmp(err.jump, 1);
    }

    cjpeg_cmyk_converter opened = converter;
    cjpeg_cmyk_converter_close(&opened);
    free(cmyk_row);

    // All pixels are in; a missing EOI marker after them is harmless, so stop here rather than
    // letting jpeg_finish_decompress turn it into an error.
    jpeg_abort_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);

    out->data = pixels;
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    out->has_alpha = 0;
    // Pixels converted from CMYK are untagged sRGB whatever profile the file had (an RGB profile in a CMYK
    // file describes nothing the output holds).
    if (!cmyk && cjpeg_icc_matches(icc, icc_length, channels)) {
        out->icc = icc;
        out->icc_length = icc_length;
    } else {
        free(icc);
    }
    cjpeg_set_status(status, CIMG_OK, "");
    return CIMG_OK;
}

int cjpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality,
                 int progressive, const uint8_t *icc, size_t icc_length,
                 uint8_t **out, size_t *out_length, cimg_status *status) {
    return cjpeg_encode_sampled(pixels, width, height, channels, quality, progressive, icc, icc_length, 2, 2, out,
                                out_length, status);
}

int cjpeg_encode_sampled(const uint8_t *pixels, int width, int height, int channels, int quality,
                         int progressive, const uint8_t *icc, size_t icc_length, int luma_h, int luma_v,
                         uint8_t **out, size_t *out_length, cimg_status *status) {
    struct jpeg_compress_struct cinfo;
    cjpeg_error_mgr err;
    // libjpeg-turbo's memory destination (re)allocates this with malloc as the file grows.
    unsigned char *buffer = NULL;
    unsigned long length = 0;

    if (pixels == NULL || out == NULL || out_length == NULL || width <= 0 || height <= 0 ||
        width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION || (channels != 1 && channels != 3) ||
        luma_h < 1 || luma_h > 4 || luma_v < 1 || luma_v > 4) {
        cjpeg_set_status(status, CIMG_ERR_INVALID_ARGUMENT, "Invalid arguments to the JPEG encoder");
        return CIMG_ERR_INVALID_ARGUMENT;
    }
    *out = NULL;
    *out_length = 0;
    if (quality < 1) quality = 1;
    if (quality > 100) quality = 100;

    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = &err.pub;
    cjpeg_install_error_manager(&err);
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(*(unsigned char *volatile *)&buffer);
        cjpeg_set_status(status, err.code, err.message);
        return err.code;
    }

    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &buffer, &length);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (channels == 3) {
        // 4:2:0 (2, 2): luma at full resolution, both chroma planes halved in each direction.
        cinfo.comp_info[0].h_samp_factor = luma_h;
        cinfo.comp_info[0].v_samp_factor = luma_v;
        cinfo.comp_info[1].h_samp_factor = 1;
        cinfo.comp_info[1].v_samp_factor = 1;
        cinfo.comp_info[2].h_samp_factor = 1;
        cinfo.comp_info[2].v_samp_factor = 1;
    }
    cinfo.optimize_coding = TRUE;
    if (progressive) {
        cinfo.scan_info = channels == 3 ? cjpeg_color_scans : cjpeg_gray_scans;
        cinfo.num_scans = channels == 3 ? (int)(sizeof cjpeg_color_scans / sizeof cjpeg_color_scans[0])
                                        : (int)(sizeof cjpeg_gray_scans / sizeof cjpeg_gray_scans[0]);
    }

    jpeg_start_compress(&cinfo, TRUE);
    if (icc != NULL && icc_length > 0 && icc_length <= CJPEG_MAX_ICC_COPY) {
        jpeg_write_icc_profile(&cinfo, icc, (unsigned int)icc_length);
    }
    const size_t stride = (size_t)width * (size_t)channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW rows[1] = { (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * stride) };
        jpeg_write_scanlines(&cinfo, rows, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);

    *out = buffer;
    *out_length = (size_t)length;
    cjpeg_set_status(status, CIMG_OK, "");
    return CIMG_OK;
}
