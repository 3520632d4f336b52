#ifndef CIMAGECODECS_H
#define CIMAGECODECS_H

// Thin, crash-free wrappers around libjpeg-turbo and libpng for the Imaging module.
//
// Both libraries report fatal errors by longjmp. Every setjmp/longjmp pair lives inside one of the
// functions below, so no Swift frame is ever jumped over; Swift only sees a status code and a message.
// Memory returned through out-parameters is allocated with malloc and must be released with cimg_free.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result codes shared by all functions in this header.
typedef enum cimg_code {
    CIMG_OK = 0,
    CIMG_ERR_CORRUPT = 1,          ///< The data is damaged, truncated or not decodable.
    CIMG_ERR_TOO_MANY_PIXELS = 2,  ///< The header announces more pixels than the caller allows.
    CIMG_ERR_NO_MEMORY = 3,        ///< An allocation failed.
    CIMG_ERR_INVALID_ARGUMENT = 4, ///< The caller passed an unusable buffer or parameter.
    CIMG_ERR_NOT_PLANAR = 5,       ///< Not an image the planar path handles; use cjpeg_decode_scaled / cheif_decode.
} cimg_code;

/// Status of a call: a code and, when it is not CIMG_OK, a short English message from the codec.
typedef struct cimg_status {
    int code;
    char message[200];
} cimg_status;

/// A decoded, tightly packed 8-bit image (row stride == width * channels).
typedef struct cimg_pixels {
    uint8_t *data;
    int width;
    int height;
    int channels;      ///< 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
    int has_alpha;     ///< 1 when at least one alpha sample is below 255 (PNG only).
    uint8_t *icc;      ///< Embedded ICC profile (JPEG APP2, PNG iCCP) matching the output colour space, or NULL.
    size_t icc_length;
} cimg_pixels;

/// Releases memory returned by the functions below (pixel data, ICC profiles, encoded files).
void cimg_free(void *pointer);

/// Decodes a JPEG at 1/scale_denom size (1, 2, 4 or 8) into gray or RGB; CMYK/YCCK become RGB: sRGB through
/// the embedded CMYK profile with Little CMS (perceptual intent) when there is a usable one, else the naive formula.
/// Fails with CIMG_ERR_TOO_MANY_PIXELS before decoding when width * height exceeds max_pixels.
/// A truncated file is an error, never a partially grey image.
int cjpeg_decode_scaled(const uint8_t *data, size_t size, int scale_denom, uint64_t max_pixels,
                        cimg_pixels *out, cimg_status *status);

/// Encodes gray (1 channel) or RGB (3 channels) pixels as a Huffman-optimised JPEG (4:2:0 for
/// colour), progressive when `progressive` is non-zero. An ICC profile is embedded when icc is not NULL.
int cjpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality,
                 int progressive, const uint8_t *icc, size_t icc_length,
                 uint8_t **out, size_t *out_length, cimg_status *status);

/// cjpeg_encode with the luma's sampling factors chosen (chroma stays 1×1): (2, 2) is 4:2:0, (2, 1) 4:2:2,
/// (1, 2) 4:4:0, (1, 1) 4:4:4, (4, 1) 4:1:1. Used by tests to make every layout a camera writes.
int cjpeg_encode_sampled(const uint8_t *pixels, int width, int height, int channels, int quality,
                         int progressive, const uint8_t *icc, size_t icc_length, int luma_h, int luma_v,
                         uint8_t **out, size_t *out_length, cimg_status *status);

/// Encodes 4-channel CMYK samples stored inverted (255 = no ink, as Photoshop writes Adobe JPEGs) as a baseline
/// CMYK JPEG, or YCCK when `ycck` is non-zero, with an ICC profile when icc is not NULL. Used by tests only.
int cjpeg_encode_cmyk(const uint8_t *inverted_cmyk, int width, int height, int quality, int ycck,
                      const uint8_t *icc, size_t icc_length, uint8_t **out, size_t *out_length, cimg_status *status);

/// The planes a YCbCr JPEG decodes to: luma (width × height) and Cb and Cr (chroma_width × chroma_height each,
/// half the luma size rounded up: 4:2:0), all tightly packed.
typedef struct cimg_ycc_layout {
    int width;
    int height;
    int chroma_width;
    int chroma_height;
} cimg_ycc_layout;

/// Reads the header of a YCbCr JPEG (4:4:4, 4:2:2, 4:4:0 or 4:2:0) and gives the planes cjpeg_decode_ycc makes
/// at 1/scale_denom size, decoding no pixel. Fails with CIMG_ERR_NOT_PLANAR for gray, CMYK, YCCK, RGB and other
/// layouts, and with CIMG_ERR_TOO_MANY_PIXELS when width * height exceeds max_pixels.
int cjpeg_ycc_layout(const uint8_t *data, size_t size, int scale_denom, uint64_t max_pixels, cimg_ycc_layout *out,
                     cimg_status *status);

/// Decodes a YCbCr JPEG at 1/scale_denom size into the caller's planes, laid out as cjpeg_ycc_layout said (a
/// different `layout` is refused), with no colour conversion; chroma comes out at half the luma size whatever
/// the file's layout. An embedded RGB ICC profile is returned in *icc_out (free with cimg_free), else NULL. On
/// failure the planes may be partly written.
int cjpeg_decode_ycc(const uint8_t *data, size_t size, int scale_denom, uint64_t max_pixels,
                     const cimg_ycc_layout *layout, uint8_t *luma, uint8_t *cb, uint8_t *cr, uint8_t **icc_out,
                     size_t *icc_length_out, cimg_status *status);

/// Encodes 4:2:0 planes (luma width × height, chroma (width+1)/2 × (height+1)/2) as a Huffman-optimised
/// JPEG, progressive when `progressive` is non-zero, with no colour conversion or chroma downsampling.
int cjpeg_encode_ycc(const uint8_t *luma, int width, int height, const uint8_t *cb, const uint8_t *cr,
                     int quality, int progressive, const uint8_t *icc, size_t icc_length,
                     uint8_t **out, size_t *out_length, cimg_status *status);

/// Decodes a PNG into 8-bit gray, gray+alpha, RGB or RGBA (palette, tRNS, low and 16-bit depths
/// and interlacing are normalised). An iCCP profile of at most 64 KB whose colour space fits the pixels is returned
/// in out->icc (sRGB, gAMA and cHRM chunks are not: see the README's colour section). Fails with CIMG_ERR_TOO_MANY_PIXELS before decoding when
/// width * height exceeds max_pixels.
int cpng_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                cimg_pixels *out, cimg_status *status);

/// Encodes 8-bit gray (1), gray+alpha (2), RGB (3) or RGBA (4) pixels as a non-interlaced PNG, with an iCCP
/// chunk when icc is not NULL (libpng checks it: one that does not fit the pixels is left out, not an error).
int cpng_encode(const uint8_t *pixels, int width, int height, int channels, int compression_level,
                const uint8_t *icc, size_t icc_length, uint8_t **out, size_t *out_length, cimg_status *status);

/// What cheif_decode learnt about the colour of the primary image.
typedef struct cimg_heif_details {
    int bit_depth;   ///< Luma bits per sample in the file (8, 10, 12).
    int transfer;    ///< nclx transfer characteristics (H.273), 13 (sRGB) when absent.
    int converted;   ///< 1 when the samples were converted to sRGB here (nclx primaries or HDR transfer).
} cimg_heif_details;

/// Decodes the primary image of a HEIF or AVIF file with libheif (grid tiles joined, irot/imir/clap applied once,
/// an EXIF orientation never) into 8-bit RGB or RGBA (alpha auxiliary image). An ICC profile (at most 64 KB) is
/// returned in out->icc and the samples are left as they are; without one, nclx primaries other than sRGB's and
/// PQ/HLG signals are converted to sRGB (cimg_convert_to_srgb); 10- and 12-bit SDR samples are rescaled
/// (v * 255 / max). Fails with CIMG_ERR_TOO_MANY_PIXELS before decoding when the image (as shown or as coded)
/// exceeds max_pixels. max_threads >= 0 limits libheif's tile threads (0: decode tiles on the calling thread).
int cheif_decode(const uint8_t *data, size_t size, uint64_t max_pixels, int max_threads, cimg_pixels *out,
                 cimg_heif_details *details, cimg_status *status);

/// The 4:2:0 planes of a decoded HEIF or AVIF primary image, still owned by libheif (`image`): luma width ×
/// height, Cb and Cr (width+1)/2 × (height+1)/2, each row `*_stride` bytes apart. Release with cheif_ycc_release.
typedef struct cheif_ycc {
    const uint8_t *y;
    const uint8_t *cb;
    const uint8_t *cr;
    int y_stride;
    int cb_stride;
    int cr_stride;
    int width;
    int height;
    int chroma_width;
    int chroma_height;
    uint8_t *icc;       ///< The ICC profile (at most 64 KB), or NULL.
    size_t icc_length;
    void *image;        ///< The heif_image holding the planes.
} cheif_ycc;

/// Decodes the primary image as cheif_decode does, but into YCbCr 4:2:0 planes left as the codec made them, for
/// the JPEG encoder to take as they are: only for 8-bit opaque images in full-range BT.601 (or unspecified)
/// YCbCr whose colour needs no conversion (JFIF's YCbCr, what libheif's own RGB conversion assumes). Fails with
/// CIMG_ERR_NOT_PLANAR for anything else (then cheif_decode is the way), and as cheif_decode does for limits.
int cheif_decode_ycc(const uint8_t *data, size_t size, uint64_t max_pixels, int max_threads, cheif_ycc *out,
                     cimg_heif_details *details, cimg_status *status);

/// Frees what cheif_decode_ycc handed out; safe on a zeroed struct.
void cheif_ycc_release(cheif_ycc *ycc);

/// Encodes RGB or RGBA pixels (8-bit, or 10/12-bit little-endian 16-bit samples) as HEIC (x265) or AVIF (aom)
/// with an orientation written as irot/imir, optional nclx (transfer, primaries; 0 = none), EXIF and ICC. Tests only.
int cheif_encode(const uint8_t *pixels, int width, int height, int channels, int bits, int avif, int quality,
                 int orientation, int transfer, int primaries, const uint8_t *exif, size_t exif_length,
                 const uint8_t *icc, size_t icc_length, uint8_t **out, size_t *out_length, cimg_status *status);

/// Decodes a WebP (lossy, lossless, with alpha, or the first frame of an animation) into 8-bit RGB or RGBA;
/// its ICCP profile (at most 64 KB) is returned in out->icc. Fails with CIMG_ERR_TOO_MANY_PIXELS before
/// decoding when the header's (canvas) size exceeds max_pixels.
int cwebp_decode(const uint8_t *data, size_t size, uint64_t max_pixels, cimg_pixels *out, cimg_status *status);

/// Encodes RGB or RGBA pixels as WebP (lossy at `quality`, or lossless), with an ICCP chunk when icc is not NULL.
int cwebp_encode(const uint8_t *pixels, int width, int height, int channels, int quality, int lossless,
                 const uint8_t *icc, size_t icc_length, uint8_t **out, size_t *out_length, cimg_status *status);

/// 1 for the PQ (16) and HLG (18) transfer characteristics.
int cimg_is_hdr_transfer(int transfer);

/// 1 when the chromaticities (red, green, blue, white as x, y pairs) are sRGB's / BT.709's.
int cimg_is_srgb_primaries(const float primaries[8]);

/// Converts interleaved RGB(A) samples (8-bit, or 9-16-bit little-endian in 16-bit words) with the given H.273
/// transfer characteristics and primaries into 8-bit sRGB: undo the transfer (PQ and HLG relative to a 203 cd/m²
/// reference white), roll highlights above 0.6 of it off so that `peak_nits` (the content light level; 1000 when
/// 0) becomes white (HDR only), convert the primaries in linear light, clip, sRGB-encode. Alpha is rescaled.
/// destination is width * height * channels bytes.
int cimg_convert_to_srgb(const uint8_t *source, size_t stride, int width, int height, int channels, int bits,
                         int transfer, const float primaries[8], double peak_nits, uint8_t *destination,
                         cimg_status *status);

/// Filter weights for one axis: output sample i is the sum of counts[i] input samples from starts[i],
/// weighted by weights[i * taps ...]; `taps` is the largest count (the table's stride).
typedef struct cimg_axis_weights {
    const int32_t *starts;
    const int32_t *counts;
    const float *weights;
    int taps;
} cimg_axis_weights;

/// Floats of scratch memory cimg_resample needs for these widths, channel count and horizontal table's taps.
size_t cimg_resample_scratch_floats(int input_width, int output_width, int channels, int horizontal_taps);

/// Separable resampling of 8-bit interleaved pixels (1...4 channels): a vertical pass into float rows, then a
/// horizontal pass back to clamped, rounded bytes (one output row at a time, or 8 for one channel). Source rows
/// are source_stride bytes apart (0: packed, input_width * channels).
void cimg_resample(const uint8_t *source, size_t source_stride, int input_width, int channels, uint8_t *destination,
                   int output_width, int output_height, const cimg_axis_weights *vertical,
                   const cimg_axis_weights *horizontal, float *scratch);

/// Writes the 8-bit image `source` (width × height pixels of `channels` interleaved samples) turned for EXIF
/// `orientation` into `destination`: width × height pixels, or height × width for orientations 5-8; other
/// values copy it as is.
void cimg_orient(const uint8_t *source, int width, int height, int channels, int orientation, uint8_t *destination);

#ifdef __cplusplus
}
#endif

#endif
