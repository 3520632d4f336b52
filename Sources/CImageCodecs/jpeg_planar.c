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

/// One output row of a chroma plane at half the luma size, from decoded rows `top` and `bottom` (the same row
/// where the decoder delivered chroma at its stored height, `bottom` = `top` for a last odd row), averaging 2
/// columns where it delivered chroma at luma width (`fx` = 2; a last odd column is kept as it is).
/// libjpeg-turbo's scaled IDCT returns chroma at luma resolution, so this box filter restores the stored
/// resolution before the Lanczos pass.
static void cjpeg_chroma_row_to_half(const uint8_t *top, const uint8_t *bottom, int width, int fx, uint8_t *out,
                                     int out_width) {
    if (fx == 1) {
        if (top == bottom) {
            memcpy(out, top, (size_t)out_width);
        } else {
            for (int x = 0; x < out_width; x++) out[x] = (uint8_t)((top[x] + bottom[x] + 1) >> 1);
        }
        return;
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
        memcpy(out + x, &bytes, sizeof bytes);
    }
    for (; x < pairs; x++) {
        out[x] = (uint8_t)((top[2 * x] + top[2 * x + 1] + bottom[2 * x] + bottom[2 * x + 1] + 2) >> 2);
    }
    for (x = pairs; x < out_width; x++) {
        out[x] = (uint8_t)((top[2 * x] + bottom[2 * x] + 1) >> 1);
    }
}

/// How one planar decode is laid out, from the header alone (jpeg_calc_output_dimensions decodes nothing).
typedef struct cjpeg_ycc_plan {
    cimg_ycc_layout layout;
    int fx, fy;                 ///< 2 where the decoder delivers chroma at luma resolution on that axis, else 1
    int chroma_decoded_width;   ///< chroma samples per row and rows as the decoder delivers them
    int chroma_decoded_height;
    size_t stride[3];           ///< bytes per decoded row of each component (whole blocks)
    size_t rows_per_call[3];    ///< rows of each component one jpeg_read_raw_data call returns (one iMCU row)
} cjpeg_ycc_plan;

/// After jpeg_read_header: checks the size and layout and sets raw YCbCr output at 1/scale_denom. Returns
/// CIMG_OK with `plan` filled, CIMG_ERR_TOO_MANY_PIXELS or CIMG_ERR_NOT_PLANAR (status set).
static int cjpeg_ycc_prepare(j_decompress_ptr cinfo, int scale_denom, uint64_t max_pixels, cjpeg_ycc_plan *plan,
                             cimg_status *status) {
    if ((uint64_t)cinfo->image_width * (uint64_t)cinfo->image_height > max_pixels) {
        cjpeg_set_status(status, CIMG_ERR_TOO_MANY_PIXELS, "The image has too many pixels");
        return CIMG_ERR_TOO_MANY_PIXELS;
    }
    if (!cjpeg_is_planar_ycc(cinfo)) {
        cjpeg_set_status(status, CIMG_ERR_NOT_PLANAR, "Not a YCbCr JPEG with a common chroma layout");
        return CIMG_ERR_NOT_PLANAR;
    }
    cinfo->out_color_space = JCS_YCbCr;
    cinfo->raw_data_out = TRUE;
    cinfo->scale_num = 1;
    cinfo->scale_denom = (unsigned int)scale_denom;
    jpeg_calc_output_dimensions(cinfo);

    // Each jpeg_read_raw_data call returns one iMCU row: v_samp_factor * DCT_scaled_size rows of every
    // component, each width_in_blocks * DCT_scaled_size samples wide (whole blocks, padding included).
    for (int c = 0; c < 3; c++) {
        const jpeg_component_info *comp = &cinfo->comp_info[c];
        plan->stride[c] = (size_t)comp->width_in_blocks * (size_t)comp->DCT_scaled_size;
        plan->rows_per_call[c] = (size_t)comp->v_samp_factor * (size_t)comp->DCT_scaled_size;
    }
    const int width = (int)cinfo->comp_info[0].downsampled_width;
    const int height = (int)cinfo->comp_info[0].downsampled_height;
    const int chroma_width = (width + 1) / 2, chroma_height = (height + 1) / 2;
    const int cdw = (int)cinfo->comp_info[1].downsampled_width, cdh = (int)cinfo->comp_info[1].downsampled_height;
    plan->fx = cdw == width ? 2 : cdw == chroma_width ? 1 : 0;
    plan->fy = cdh == height ? 2 : cdh == chroma_height ? 1 : 0;
    if (width <= 0 || height <= 0 || plan->fx == 0 || plan->fy == 0 || plan->rows_per_call[0] > 16 ||
        plan->rows_per_call[1] > 16 || plan->rows_per_call[2] != plan->rows_per_call[1] ||
        plan->stride[2] != plan->stride[1] || (int)cinfo->comp_info[2].downsampled_width != cdw ||
        (int)cinfo->comp_info[2].downsampled_height != cdh) {
        cjpeg_set_status(status, CIMG_ERR_NOT_PLANAR, "Unsupported JPEG component layout");
        return CIMG_ERR_NOT_PLANAR;
    }
    plan->layout.width = width;
    plan->layout.height = height;
    plan->layout.chroma_width = chroma_width;
    plan->layout.chroma_height = chroma_height;
    plan->chroma_decoded_width = cdw;
    plan->chroma_decoded_height = cdh;
    return CIMG_OK;
}

int cjpeg_ycc_layout(const uint8_t *data, size_t size, int scale_denom, uint64_t max_pixels, cimg_ycc_layout *out,
                     cimg_status *status) {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_progress_mgr progress;
    cjpeg_source_mgr source;
    cjpeg_error_mgr err;

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
        jpeg_destroy_decompress(&cinfo);
        cjpeg_set_status(status, err.code, err.message);
        return err.code;
    }
    cjpeg_read_header(&cinfo, &progress, &source, data, size);
    cjpeg_ycc_plan plan;
    const int code = cjpeg_ycc_prepare(&cinfo, scale_denom, max_pixels, &plan, status);
    jpeg_destroy_decompress(&cinfo);
    if (code != CIMG_OK) return code;
    *out = plan.layout;
    cjpeg_set_status(status, CIMG_OK, "");
    return CIMG_OK;
}

int cjpeg_decode_ycc(const uint8_t *data, size_t size, int scale_denom, uint64_t max_pixels,
                     const cimg_ycc_layout *layout, uint8_t *luma, uint8_t *cb, uint8_t *cr, uint8_t **icc_out,
                     size_t *icc_length_out, cimg_status *status) {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_progress_mgr progress;
    cjpeg_source_mgr source;
    cjpeg_error_mgr err;
    // Written after setjmp and read in the error branch, hence volatile.
    uint8_t *volatile scratch = NULL;
    JOCTET *volatile icc = NULL;

    if (data == NULL || size == 0 || layout == NULL || luma == NULL || cb == NULL || cr == NULL ||
        icc_out == NULL || icc_length_out == NULL ||
        !cjpeg_is_scale_denominator(scale_denom)) {
        cjpeg_set_status(status, CIMG_ERR_INVALID_ARGUMENT, "Invalid arguments to the JPEG decoder");
        return CIMG_ERR_INVALID_ARGUMENT;
    }
    *icc_out = NULL;
    *icc_length_out = 0;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = &err.pub;
    cjpeg_install_error_manager(&err);

    if (setjmp(err.jump)) {
        free(scratch);
        free(icc);
        jpeg_destroy_decompress(&cinfo);
        cjpeg_set_status(status, err.code, err.message);
        return err.code;
    }

    cjpeg_read_header(&cinfo, &progress, &source, data, size);
    cjpeg_ycc_plan plan;
    const int code = cjpeg_ycc_prepare(&cinfo, scale_denom, max_pixels, &plan, status);
    if (code != CIMG_OK) {
        jpeg_destroy_decompress(&cinfo);
        return code;
    }
    if (memcmp(&plan.layout, layout, sizeof plan.layout) != 0) {
        jpeg_destroy_decompress(&cinfo);
        cjpeg_set_status(status, CIMG_ERR_INVALID_ARGUMENT, "The JPEG's planes do not match the given layout");
        return CIMG_ERR_INVALID_ARGUMENT;
    }
    jpeg_start_decompress(&cinfo);

    // Pixels go through a band of one iMCU row (two when a call's chroma rows are an odd number that must be
    // averaged in pairs) straight into the caller's planes, so no decoded image is ever held twice.
    const int width = plan.layout.width, height = plan.layout.height;
    const int chroma_width = plan.layout.chroma_width, chroma_height = plan.layout.chroma_height;
    const int cdw = plan.chroma_decoded_width, cdh = plan.chroma_decoded_height;
    const int calls_per_band = plan.fy == 2 && plan.rows_per_call[1] % 2 == 1 ? 2 : 1;
    const size_t luma_band = plan.stride[0] * plan.rows_per_call[0] * (size_t)calls_per_band;
    const size_t chroma_band = plan.stride[1] * plan.rows_per_call[1] * (size_t)calls_per_band;
    scratch = malloc(luma_band + 2 * chroma_band);
    if (scratch == NULL) {
        snprintf(err.message, sizeof err.message, "Out of memory while decoding a JPEG");
        err.code = CIMG_ERR_NO_MEMORY;
        longjmp(err.jump, 1);
    }
    uint8_t *const band[3] = { scratch, scratch + luma_band, scratch + luma_band + chroma_band };
    uint8_t *const chroma_out[2] = { cb, cr };
    const JDIMENSION lines = (JDIMENSION)(cinfo.max_v_samp_factor * cinfo.min_DCT_scaled_size);
    // When the decoded luma rows are exactly as wide as the plane (a width of whole blocks, as phone photos
    // have), libjpeg writes them straight into it; only rows below the image go to the band.
    const int luma_in_place = plan.stride[0] == (size_t)width;
    int luma_row = 0, chroma_row = 0;  // first decoded row of each in the current band
    while (cinfo.output_scanline < cinfo.output_height) {
        int calls = 0;
        for (; calls < calls_per_band && cinfo.output_scanline < cinfo.output_height; calls++) {
            JSAMPROW rows[3][16];
            JSAMPARRAY components[3];
            for (int c = 0; c < 3; c++) {
                uint8_t *first = band[c] + (size_t)calls * plan.rows_per_call[c] * plan.stride[c];
                for (size_t r = 0; r < plan.rows_per_call[c]; r++) rows[c][r] = first + r * plan.stride[c];
                components[c] = rows[c];
            }
            for (size_t r = 0; luma_in_place && r < plan.rows_per_call[0]; r++) {
                const size_t y = (size_t)luma_row + (size_t)calls * plan.rows_per_call[0] + r;
                if (y < (size_t)height) rows[0][r] = luma + y * (size_t)width;
            }
            if (jpeg_read_raw_data(&cinfo, components, lines) == 0) break;
        }
        if (calls == 0) break;
        const int luma_rows = (int)plan.rows_per_call[0] * calls, chroma_rows = (int)plan.rows_per_call[1] * calls;
        for (int y = luma_row; !luma_in_place && y < luma_row + luma_rows && y < height; y++) {
            memcpy(luma + (size_t)y * (size_t)width, band[0] + (size_t)(y - luma_row) * plan.stride[0],
                   (size_t)width);
        }
        // Decoded chroma rows [chroma_row, available) of this band feed output rows [first, last).
        const int available = chroma_row + chroma_rows < cdh ? chroma_row + chroma_rows : cdh;
        const int first = plan.fy == 2 ? chroma_row / 2 : chroma_row;
        int last = plan.fy == 2 ? (available + 1) / 2 : available;
        if (last > chroma_height) last = chroma_height;
        for (int c = 0; c < 2; c++) {
            for (int y = first; y < last; y++) {
                const int top = plan.fy == 2 ? 2 * y : y;
                const int bottom = plan.fy == 2 && top + 1 < available ? top + 1 : top;
                cjpeg_chroma_row_to_half(band[c + 1] + (size_t)(top - chroma_row) * plan.stride[c + 1],
                                         band[c + 1] + (size_t)(bottom - chroma_row) * plan.stride[c + 1], cdw,
                                         plan.fx, chroma_out[c] + (size_t)y * (size_t)chroma_width, chroma_width);
            }
        }
        luma_row += luma_rows;
        chroma_row += chroma_rows;
        if (calls < calls_per_band) break;
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
    free(scratch);

    if (cjpeg_icc_matches(icc, profile_length, 3)) {
        *icc_out = icc;
        *icc_length_out = profile_length;
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
    // Rows that are whole blocks wide already (most display and thumbnail widths) are read in place.
    const int luma_whole = luma_padded == (size_t)width, chroma_whole = chroma_padded == (size_t)chroma_width;
    while (cinfo.next_scanline < cinfo.image_height) {
        const int top = (int)cinfo.next_scanline;
        for (int r = 0; r < 16; r++) {
            const int y = top + r < height ? top + r : height - 1;
            const uint8_t *row = luma + (size_t)y * (size_t)width;
            if (luma_whole) {
                luma_rows[r] = (JSAMPROW)row;
            } else {
                cjpeg_padded_row(row, width, luma_rows[r], luma_padded);
            }
        }
        for (int r = 0; r < 8; r++) {
            const int y = top / 2 + r < chroma_height ? top / 2 + r : chroma_height - 1;
            const uint8_t *cb_row = cb + (size_t)y * (size_t)chroma_width, *cr_row = cr + (size_t)y * (size_t)chroma_width;
            if (chroma_whole) {
                cb_rows[r] = (JSAMPROW)cb_row;
                cr_rows[r] = (JSAMPROW)cr_row;
            } else {
                cjpeg_padded_row(cb_row, chroma_width, cb_rows[r], chroma_padded);
                cjpeg_padded_row(cr_row, chroma_width, cr_rows[r], chroma_padded);
            }
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
