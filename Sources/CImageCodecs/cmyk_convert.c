// CMYK/YCCK JPEG samples to RGB: through the file's embedded CMYK profile with Little CMS (perceptual intent,
// output sRGB) when there is a usable one, otherwise the naive ink formula.

#include <stdlib.h>
#include <string.h>

#include <lcms2.h>

#include "jpeg_internal.h"

/// Profiles larger than this are not parsed for conversion (press profiles are a few MB at most).
#define CJPEG_MAX_CMYK_PROFILE (8 * 1024 * 1024)

static void cjpeg_lcms_silent(cmsContext context, cmsUInt32Number code, const char *text) {
    (void)context;
    (void)code;
    (void)text;
}

void cjpeg_cmyk_converter_open(cjpeg_cmyk_converter *converter, const uint8_t *icc, size_t length, int inverted) {
    converter->inverted = inverted;
    converter->context = NULL;
    converter->transform = NULL;
    if (icc == NULL || length < 132 || length > CJPEG_MAX_CMYK_PROFILE || memcmp(icc + 16, "CMYK", 4) != 0) return;

    cmsContext context = cmsCreateContext(NULL, NULL);
    if (context == NULL) return;
    cmsSetLogErrorHandlerTHR(context, cjpeg_lcms_silent);
    cmsHPROFILE input = cmsOpenProfileFromMemTHR(context, icc, (cmsUInt32Number)length);
    cmsHPROFILE output = cmsCreate_sRGBProfileTHR(context);
    cmsHTRANSFORM transform = NULL;
    if (input != NULL && output != NULL && cmsGetColorSpace(input) == cmsSigCmykData) {
        // Adobe (APP14) files store inverted inks (0 = full ink): Little CMS's "reversed" CMYK flavour.
        transform = cmsCreateTransformTHR(context, input, inverted ? TYPE_CMYK_8_REV : TYPE_CMYK_8, output,
                                          TYPE_RGB_8, INTENT_PERCEPTUAL, 0);
    }
    if (input != NULL) cmsCloseProfile(input);
    if (output != NULL) cmsCloseProfile(output);
    if (transform == NULL) {
        cmsDeleteContext(context);
        return;
    }
    converter->context = context;
    converter->transform = transform;
}

void cjpeg_cmyk_convert_row(const cjpeg_cmyk_converter *converter, const uint8_t *cmyk, uint8_t *rgb,
                            unsigned int width) {
    if (converter->transform != NULL) {
        cmsDoTransform((cmsHTRANSFORM)converter->transform, cmyk, rgb, width);
        return;
    }
    for (unsigned int x = 0; x < width; x++) {
        unsigned c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
        if (!converter->inverted) {
            c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k;
        }
        rgb[0] = (uint8_t)((c * k + 127) / 255);
        rgb[1] = (uint8_t)((m * k + 127) / 255);
        rgb[2] = (uint8_t)((y * k + 127) / 255);
        cmyk += 4;
        rgb += 3;
    }
}

void cjpeg_cmyk_converter_close(cjpeg_cmyk_converter *converter) {
    if (converter->transform != NULL) cmsDeleteTransform((cmsHTRANSFORM)converter->transform);
    if (converter->context != NULL) cmsDeleteContext((cmsContext)converter->context);
    converter->transform = NULL;
    converter->context = NULL;
}
