// Writes CMYK and YCCK JPEGs (Adobe APP14 marker, inverted inks as Photoshop stores them), so that tests can make
// the press files the decoder converts; derivatives are never CMYK.

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "CImageCodecs.h"
#include "jpeg_internal.h"

int cjpeg_encode_cmyk(const uint8_t *inverted_cmyk, int width, int height, int quality, int ycck,
                      const uint8_t *icc, size_t icc_length, uint8_t **out, size_t *out_length, cimg_status *status) {
    struct jpeg_compress_struct cinfo;
    cjpeg_error_mgr err;
    unsigned char *buffer = NULL;
    unsigned long length = 0;

    if (inverted_cmyk == NULL || out == NULL || out_length == NULL || width <= 0 || height <= 0 ||
        width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
        cjpeg_set_status(status, CIMG_ERR_INVALID_ARGUMENT, "Invalid arguments to the CMYK JPEG encoder");
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
    cinfo.input_components = 4;
    cinfo.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&cinfo);
    // Both colour spaces write the Adobe marker (transform 0 for CMYK, 2 for YCCK).
    jpeg_set_colorspace(&cinfo, ycck ? JCS_YCCK : JCS_CMYK);
    jpeg_set_quality(&cinfo, quality, TRUE);
    for (int component = 0; component < 4; component++) {
        cinfo.comp_info[component].h_samp_factor = 1;
        cinfo.comp_info[component].v_samp_factor = 1;
    }
    jpeg_start_compress(&cinfo, TRUE);
    if (icc != NULL && icc_length > 0) {
        jpeg_write_icc_profile(&cinfo, icc, (unsigned int)icc_length);
    }
    const size_t stride = (size_t)width * 4;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW rows[1] = { (JSAMPROW)(inverted_cmyk + (size_t)cinfo.next_scanline * stride) };
        jpeg_write_scanlines(&cinfo, rows, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);

    *out = buffer;
    *out_length = (size_t)length;
    cjpeg_set_status(status, CIMG_OK, "");
    return CIMG_OK;
}
