// Planar (YCbCr) JPEG shims: decode straight to luma and chroma planes with jpeg_read_raw_data and encode 4:2:0
// planes with jpeg_write_raw_data, so a JPEG-to-JPEG derivative never converts colour or up/downsamples chroma
// in libjpeg, and the resampler works on 1.5 planes instead of 3 (4 when padded) channels.

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "CImageCodecs.h"
#include "jpeg_internal.h"

/// True for a three-component YCbCr file whose luma has the largest sampling factors and whose chroma planes
/// are at most halved per axis (4:4:4, 4:2:2, 4:4:0, 4:2:0), the layouts the planar path understands.
static int cjpeg_is_planar_ycc(const struct jpeg_decompress_struct *cinfo) {
    if (cinfo->jpeg_color_space != JCS_YCbCr || cinfo->num_components != 3) return 0;
    const jpeg_component_info *y = &cinfo->comp_info[0], *cb = &cinfo->comp_info[1], *cr = &cinfo->comp_info[2];
    if (y->h_samp_factor != cinfo->max_h_samp_factor || y->v_samp_factor != cinfo->max_v_samp_factor) return 0;
    if (cinfo->max_h_samp_factor > 2 || cinfo->max_v_samp_factor > 2) return 0;
    if (cb->h_samp_factor != 1 || cb->v_samp_factor != 1) return 0;
    if (cr->h_samp_factor != 1 || cr->v_samp_factor != 1) return 0;
    return 1;
}

typedef uint8_t cjpeg_v32u8 __attribute__((vector_size(32)));
typedef uint8_t cjpeg_v16u8 __attribute__((vector_size(16)));
typedef uint16_t cjpeg_v16u16 __attribute__((vector_size(32)));
#define CJPEG_EVEN16 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define CJPEG_ODD16 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31

/// Copies a decoded chroma plane (`width` × `height`, row stride `stride`) to `out` at half the luma size,
/// averaging 2 samples on each axis where the decoder delivered it at luma resolution (`fx`, `fy` = 2; the
/// last odd row or column is repeated). libjpeg-turbo's scaled IDCT returns chroma at luma resolution, so
/// this box filter restores the stored resolution before the Lanczos pass.
static void cjpeg_chroma_to_half(const uint8_t *plane, size_t stride, int width, int height, int fx, int fy,
                                 uint8_t *out, int out_width, int out_height) {
    for (int y = 0; y < out_height; y++) {
        const uint8_t *top = plane + (size_t)(fy == 2 ? 2 * y : y) * stride;
        const uint8_t *bottom = fy == 2 && 2 * y + 1 < height ? top + stride : top;
        uint8_t *o = out + (size_t)y * (size_t)out_width;
        if (fx == 1) {
            if (fy == 1) {
                memcpy(o, top, (size_t)out_width);
            } else {
                for (int x = 0; x < out_width; x++) o[x] = (uint8_t)((top[x] + bottom[x] + 1) >> 1);
            }
            continue;
        }
        const int pairs = width / 2;  // columns 2x and 2x+1 both inside the plane
        int x = 0;
        for (; x + 16 <= pairs; x += 16) {
            // 16 outputs from 32 samples of each row: even and odd columns widened to 16 bits and summed.
            cjpeg_v32u8 a, b;
            memcpy(&a, top + 2 * x, sizeof a);
            memcpy(&b, bottom + 2 * x, sizeof b);
            cjpeg_v16u16 sum =
                __builtin_convertvector(__builtin_shufflevector(a, a, CJPEG_EVEN16), cjpeg_v16u16) +
                __builtin_convertvector(__builtin_shufflevector(a, a, CJPEG_ODD16), cjpeg_v16u16) +
                __builtin_convertvector(__builtin_shufflevector(b, b, CJPEG_EVEN16), cjpeg_v16u16) +
                __builtin_convertvector(__builtin_shufflevector(b, b, CJPEG_ODD16), cjpeg_v16u16) + 2;
            cjpeg_v16u8 bytes = __builtin_convertvector(sum >> 2, cjpeg_v16u8);
            memcpy(o + x, &bytes, sizeof bytes);
        }
        for (; x < pairs; x++) {
            o[x] = (uint8_t)((top[2 * x] + top[2 * x + 1] + bottom[2 * x] + bottom[2 * x + 1] + 2) >> 2);
        }
        for (int x = pairs; x < out_width; x++) {
            o[x] = (uint8_t)((top[2 * x] + bottom[2 * x] + 1) >> 1);
        }
    }
}

int cjpeg_decode_ycc(const uint8_t *data, size_t size, int scale_denom, uint64_t max_pixels,
                     cimg_ycc_planes *out, cimg_status *status) {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_progress_mgr progress;
    cjpeg_source_mgr source;
    cjpeg_error_mgr err;
    // Written after setjmp and read in the error branch, hence volatile.
    uint8_t *volatile planes = NULL;
    uint8_t *volatile result = NULL;
    JOCTET *volatile icc = NULL;

    if (out == NULL || data == NULL || size == 0 ||
        !(scale_denom == 1 || scale_denom == 2 || scale_denom == 4 || scale_denom == 8)) {
        cjpeg_set_status(status, CIMG_ERR_INVALID_ARGUMENT, "Invalid arguments to the JPEG decoder");
        return CIMG_ERR_INVALID_ARGUMENT;
    }
    memset(out, 0, sizeof *out);
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = &err.pub;
    cjpeg_install_error_manager(&err);

    if (setjmp(err.jump)) {
        free(planes);
        free(result);
        free(icc);
        jpeg_destroy_decompress(&cinfo);
        cjpeg_set_status(status, err.code, err.message);
        return err.code;
    }

    jpeg_create_decompress(&cinfo);
    cinfo.mem->max_memory_to_use = CJPEG_MAX_MEMORY;
    progress.progress_monitor = cjpeg_progress;
    cinfo.progress = &progress;
    cjpeg_memory_source(&cinfo, &source, data, size);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 2, 0xFFFF);
    jpeg_read_header(&cinfo, TRUE);

    if ((uint64_t)cinfo.image_width * (uint64_t)cinfo.image_height > max_pixels) {
        jpeg_destroy_decompress(&cinfo);
        cjpeg_set_status(status, CIMG_ERR_TOO_MANY_PIXELS, "The image has too many pixels");
        return CIMG_ERR_TOO_MANY_PIXELS;
    }
    if (!cjpeg_is_planar_ycc(&cinfo)) {
        jpeg_destroy_decompress(&cinfo);
        cjpeg_set_status(status, CIMG_ERR_NOT_PLANAR, "Not a YCbCr JPEG with a common chroma layout");
        return CIMG_ERR_NOT_PLANAR;
    }
    cinfo.out_color_space = JCS_YCbCr;
    cinfo.raw_data_out = TRUE;
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int)scale_denom;
    jpeg_start_decompress(&cinfo);

    // Each jpeg_read_raw_data call returns one iMCU row: v_samp_factor * DCT_scaled_size rows of every
    // component, each width_in_blocks * DCT_scaled_size samples wide (whole blocks, padding included).
    size_t stride[3], rows_per_call[3], offset[3], total = 0;
    const size_t imcu_rows = (size_t)cinfo.total_iMCU_rows;
    for (int c = 0; c < 3; c++) {
        const jpeg_component_info *comp = &cinfo.comp_info[c];
        stride[c] = (size_t)comp->width_in_blocks * (size_t)comp->DCT_scaled_size;
        rows_per_call[c] = (size_t)comp->v_samp_factor * (size_t)comp->DCT_scaled_size;
        offset[c] = total;
        total += stride[c] * rows_per_call[c] * imcu_rows;
    }
    const int width = (int)cinfo.comp_info[0].downsampled_width;
    const int height = (int)cinfo.comp_info[0].downsampled_height;
    const int chroma_width = (width + 1) / 2, chroma_height = (height + 1) / 2;
    int fx = 0, fy = 0;
    const int cdw = (int)cinfo.comp_info[1].downsampled_width, cdh = (int)cinfo.comp_info[1].downsampled_height;
    if (cdw == width) fx = 2; else if (cdw == chroma_width) fx = 1;
    if (cdh == height) fy = 2; else if (cdh == chroma_height) fy = 1;
    if (width <= 0 || height <= 0 || fx == 0 || fy == 0 || rows_per_call[0] > 16 || rows_per_call[1] > 16) {
        snprintf(err.message, sizeof err.message, "Unsupported JPEG component layout");
        err.code = CIMG_ERR_NOT_PLANAR;
        longjmp(err.jump, 1);
    }
    planes = malloc(total);
    const size_t luma_size = (size_t)width * (size_t)height;
    const size_t chroma_size = (size_t)chroma_width * (size_t)chroma_height;
    result = malloc(luma_size + 2 * chroma_size);
    if (planes == NULL || result == NULL) {
        snprintf(err.message, sizeof err.message, "Out of memory while decoding a JPEG");
        err.code = CIMG_ERR_NO_MEMORY;
        longjmp(err.jump, 1);
    }

    const JDIMENSION lines = (JDIMENSION)(cinfo.max_v_samp_factor * cinfo.min_DCT_scaled_size);
    for (size_t imcu = 0; cinfo.output_scanline < cinfo.output_height; imcu++) {
        if (imcu >= imcu_rows) break;
        JSAMPROW rows[3][16];
        JSAMPARRAY components[3];
        for (int c = 0; c < 3; c++) {
            uint8_t *first = planes + offset[c] + imcu * rows_per_call[c] * stride[c];
            for (size_t r = 0; r < rows_per_call[c]; r++) rows[c][r] = first + r * stride[c];
            components[c] = rows[c];
        }
        if (jpeg_read_raw_data(&cinfo, components, lines) == 0) break;
    }
    if (cinfo.output_scanline < cinfo.output_height) {
        snprintf(err.message, sizeof err.message, "The JPEG data ended early");
        err.code = CIMG_ERR_CORRUPT;
        longjmp(err.jump, 1);
    }
    if (source.hit_end && jpeg_has_multiple_scans(&cinfo)) {
        snprintf(err.message, sizeof err.message, "Premature end of JPEG file");
        err.code = CIMG_ERR_CORRUPT;
        longjmp(err.jump, 1);
    }

    JOCTET *profile = NULL;
    unsigned int profile_length = 0;
    if (jpeg_read_icc_profile(&cinfo, &profile, &profile_length)) {
        icc = profile;
    }
    jpeg_abort_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);

    uint8_t *luma = result;
    for (int y = 0; y < height; y++) {
        memcpy(luma + (size_t)y * (size_t)width, planes + offset[0] + (size_t)y * stride[0], (size_t)width);
    }
    for (int c = 1; c < 3; c++) {
        cjpeg_chroma_to_half(planes + offset[c], stride[c], cdw, cdh, fx, fy,
                             result + luma_size + (size_t)(c - 1) * chroma_size, chroma_width, chroma_height);
    }
    free(planes);

    out->data = result;
    out->width = width;
    out->height = height;
    out->chroma_width = chroma_width;
    out->chroma_height = chroma_height;
    if (cjpeg_icc_matches(icc, profile_length, 3)) {
        out->icc = icc;
        out->icc_length = profile_length;
    } else {
        free(icc);
    }
    cjpeg_set_status(status, CIMG_OK, "");
    return CIMG_OK;
}

/// Progressive scans for derivatives, as in jpeg_codec.c's colour list.
static const jpeg_scan_info cjpeg_ycc_scans[] = {
    { 1, { 0 }, 0, 0, 0, 0 },
    { 1, { 1 }, 0, 0, 0, 0 },
    { 1, { 2 }, 0, 0, 0, 0 },
    { 1, { 0 }, 1, 5, 0, 0 },
    { 1, { 1 }, 1, 63, 0, 0 },
    { 1, { 2 }, 1, 63, 0, 0 },
    { 1, { 0 }, 6, 63, 0, 0 },
};

/// Copies `count` samples to `out` and repeats the last one up to `padded`.
static void cjpeg_padded_row(const uint8_t *row, int count, uint8_t *out, size_t padded) {
    memcpy(out, row, (size_t)count);
    memset(out + count, row[count - 1], padded - (size_t)count);
}

int cjpeg_encode_ycc(const uint8_t *luma, int width, int height, const uint8_t *cb, const uint8_t *cr,
                     int quality, int progressive, const uint8_t *icc, size_t icc_length,
                     uint8_t **out, size_t *out_length, cimg_status *status) {
    struct jpeg_compress_struct cinfo;
    cjpeg_error_mgr err;
    unsigned char *buffer = NULL;
    unsigned long length = 0;
    uint8_t *volatile scratch = NULL;

    if (luma == NULL || cb == NULL || cr == NULL || out == NULL || out_length == NULL || width <= 0 ||
        height <= 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
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
        free(scratch);
        cjpeg_set_status(status, err.code, err.message);
        return err.code;
    }

    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &buffer, &length);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_YCbCr;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    cinfo.comp_info[0].h_samp_factor = 2;
    cinfo.comp_info[0].v_samp_factor = 2;
    cinfo.comp_info[1].h_samp_factor = 1;
    cinfo.comp_info[1].v_samp_factor = 1;
    cinfo.comp_info[2].h_samp_factor = 1;
    cinfo.comp_info[2].v_samp_factor = 1;
    cinfo.raw_data_in = TRUE;
    cinfo.optimize_coding = TRUE;
    if (progressive) {
        cinfo.scan_info = cjpeg_ycc_scans;
        cinfo.num_scans = (int)(sizeof cjpeg_ycc_scans / sizeof cjpeg_ycc_scans[0]);
    }

    jpeg_start_compress(&cinfo, TRUE);
    if (icc != NULL && icc_length > 0 && icc_length <= CJPEG_MAX_ICC_COPY) {
        jpeg_write_icc_profile(&cinfo, icc, (unsigned int)icc_length);
    }
    // One iMCU row per call: 16 luma rows and 8 rows of each chroma plane, each padded with its last sample to
    // whole blocks; rows below the image repeat the last row (libjpeg reads whole blocks in raw mode).
    const int chroma_width = (width + 1) / 2, chroma_height = (height + 1) / 2;
    const size_t luma_padded = (size_t)cinfo.comp_info[0].width_in_blocks * DCTSIZE;
    const size_t chroma_padded = (size_t)cinfo.comp_info[1].width_in_blocks * DCTSIZE;
    scratch = malloc(16 * luma_padded + 2 * 8 * chroma_padded);
    if (scratch == NULL) {
        snprintf(err.message, sizeof err.message, "Out of memory while encoding a JPEG");
        err.code = CIMG_ERR_NO_MEMORY;
        longjmp(err.jump, 1);
    }
    JSAMPROW luma_rows[16], cb_rows[8], cr_rows[8];
    for (int r = 0; r < 16; r++) luma_rows[r] = scratch + (size_t)r * luma_padded;
    for (int r = 0; r < 8; r++) {
        cb_rows[r] = scratch + 16 * luma_padded + (size_t)r * chroma_padded;
        cr_rows[r] = scratch + 16 * luma_padded + (size_t)(8 + r) * chroma_padded;
    }
    JSAMPARRAY components[3] = { luma_rows, cb_rows, cr_rows };
    while (cinfo.next_scanline < cinfo.image_height) {
        const int top = (int)cinfo.next_scanline;
        for (int r = 0; r < 16; r++) {
            const int y = top + r < height ? top + r : height - 1;
            cjpeg_padded_row(luma + (size_t)y * (size_t)width, width, luma_rows[r], luma_padded);
        }
        for (int r = 0; r < 8; r++) {
            const int y = top / 2 + r < chroma_height ? top / 2 + r : chroma_height - 1;
            cjpeg_padded_row(cb + (size_t)y * (size_t)chroma_width, chroma_width, cb_rows[r], chroma_padded);
            cjpeg_padded_row(cr + (size_t)y * (size_t)chroma_width, chroma_width, cr_rows[r], chroma_padded);
        }
        if (jpeg_write_raw_data(&cinfo, components, 16) != 16) {
            snprintf(err.message, sizeof err.message, "The JPEG encoder stopped early");
            err.code = CIMG_ERR_CORRUPT;
            longjmp(err.jump, 1);
        }
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    free(scratch);

    *out = buffer;
    *out_length = (size_t)length;
    cjpeg_set_status(status, CIMG_OK, "");
    return CIMG_OK;
}
