// Helpers shared by the libjpeg-turbo shims (jpeg_codec.c, jpeg_planar.c); not part of the public header.
#ifndef CIMAGECODECS_JPEG_INTERNAL_H
#define CIMAGECODECS_JPEG_INTERNAL_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jpeglib.h>

#include "CImageCodecs.h"

/// A progressive file with thousands of tiny scans costs a full coefficient pass per scan;
/// real encoders write at most a few dozen, so anything far beyond that is hostile.
#define CJPEG_MAX_SCANS 500

/// Upper bound for libjpeg's own allocations, above all the whole-image coefficient buffers of progressive
/// files (2 bytes per coefficient: 300 MB for a 100 MP 4:2:0 file, 600 MB for 4:4:4). A file needing more is
/// refused as too large (libjpeg asks for a backing store, which this build has not), which keeps one job's
/// peak memory under 400 MB at the default MAX_PIXELS.
#define CJPEG_MAX_MEMORY (320L * 1024L * 1024L)

/// ICC profiles above this size are not copied into derivatives (they would dwarf the thumbnail).
#define CJPEG_MAX_ICC_COPY (64 * 1024)

typedef struct cjpeg_error_mgr {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int code;
    char message[JMSG_LENGTH_MAX];
} cjpeg_error_mgr;

/// In-memory source like jpeg_mem_src, except that reaching the end is recorded instead of warned about.
///
/// At the end it supplies a fake EOI marker, as jpeg_mem_src does. A single-scan file that only lacks
/// its EOI then decodes cleanly, while a file cut inside the entropy-coded data still makes the
/// decoder ask for bits beyond the marker, which raises JWRN_HIT_MARKER (fatal above).
typedef struct cjpeg_source_mgr {
    struct jpeg_source_mgr pub;
    int hit_end;
} cjpeg_source_mgr;

#define CJPEG_INTERNAL __attribute__((visibility("hidden")))

/// The DCT scales libjpeg-turbo decodes at: 1/1, 1/2, 1/4 and 1/8.
static inline int cjpeg_is_scale_denominator(int denominator) {
    return denominator == 1 || denominator == 2 || denominator == 4 || denominator == 8;
}

CJPEG_INTERNAL void cjpeg_set_status(cimg_status *status, int code, const char *message);
CJPEG_INTERNAL void cjpeg_progress(j_common_ptr cinfo);
CJPEG_INTERNAL void cjpeg_install_error_manager(cjpeg_error_mgr *err);
/// True when the profile's colour space signature fits the decoded pixels (1 gray, 3 RGB).
CJPEG_INTERNAL int cjpeg_icc_matches(const uint8_t *icc, size_t length, int channels);
/// jpeg_create_decompress with the shims' limits (CJPEG_MAX_MEMORY, CJPEG_MAX_SCANS) reading `data` through
/// the cjpeg_source_mgr above, then jpeg_read_header with the APP2 markers (ICC profile) kept. Call with `cinfo->err`
/// installed and its jump armed: errors longjmp there.
CJPEG_INTERNAL void cjpeg_read_header(j_decompress_ptr cinfo, struct jpeg_progress_mgr *progress,
                                      cjpeg_source_mgr *source, const uint8_t *data, size_t size);

/// Turns CMYK rows (as libjpeg outputs them, YCCK already undone) into RGB.
typedef struct cjpeg_cmyk_converter {
    void *context;    ///< cmsContext, or NULL when the naive formula is used.
    void *transform;  ///< cmsHTRANSFORM from the embedded CMYK profile to sRGB, or NULL.
    int inverted;     ///< Adobe (APP14) files store inverted inks: 255 means "no ink".
} cjpeg_cmyk_converter;

/// Prepares a conversion through `icc` when it is a CMYK profile Little CMS accepts; anything else (NULL, an RGB
/// profile, a damaged one) leaves the naive formula. Never fails; release with cjpeg_cmyk_converter_close.
CJPEG_INTERNAL void cjpeg_cmyk_converter_open(cjpeg_cmyk_converter *converter, const uint8_t *icc, size_t length,
                                              int inverted);
CJPEG_INTERNAL void cjpeg_cmyk_convert_row(const cjpeg_cmyk_converter *converter, const uint8_t *cmyk,
                                           uint8_t *rgb, unsigned int width);
CJPEG_INTERNAL void cjpeg_cmyk_converter_close(cjpeg_cmyk_converter *converter);

#endif
