// The floor of a HEIC/AVIF derivative: libheif decoding the primary image to interleaved 8-bit RGB (or with --ycc
// to the codec's own YCbCr 4:2:0 planes, what the planar path asks for) and nothing else (no resize, no encode),
// N times per file; prints "<file> <best wall milliseconds>". scripts/bench/formats.py
// runs it once per file, pinned to one core like the tools it is compared with, and counts its CPU time.
//
//   cc -O2 heif_decode_floor.c $(pkg-config --cflags --libs libheif) -o heif_decode_floor
//   heif_decode_floor REPEAT [--ycc] FILE...
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include <libheif/heif.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s REPEAT [--ycc] FILE...\n", argv[0]);
        return 2;
    }
    int repeat = atoi(argv[1]);
    int first = 2;
    // --ycc: the planes as the codec makes them (4:2:0), no RGB conversion: the least libheif can do.
    int ycc = argc > 3 && strcmp(argv[2], "--ycc") == 0;
    if (ycc) first = 3;
    for (int i = first; i < argc; i++) {
        double best = 1e300;
        for (int r = 0; r < repeat; r++) {
            double start = now_ms();
            struct heif_context *context = heif_context_alloc();
            heif_context_set_max_decoding_threads(context, 0);  // tiles on this thread: the per-core figure
            struct heif_error error = heif_context_read_from_file(context, argv[i], NULL);
            struct heif_image_handle *handle = NULL;
            struct heif_image *image = NULL;
            if (error.code == heif_error_Ok) error = heif_context_get_primary_image_handle(context, &handle);
            if (error.code == heif_error_Ok)
                error = ycc ? heif_decode_image(handle, &image, heif_colorspace_YCbCr, heif_chroma_420, NULL)
                            : heif_decode_image(handle, &image, heif_colorspace_RGB, heif_chroma_interleaved_RGB, NULL);
            if (error.code != heif_error_Ok) {
                fprintf(stderr, "%s: %s\n", argv[i], error.message);
                return 1;
            }
            heif_image_release(image);
            heif_image_handle_release(handle);
            heif_context_free(context);
            double elapsed = now_ms() - start;
            if (elapsed < best) best = elapsed;
        }
        printf("%s %.1f\n", argv[i], best);
    }
    return 0;
}
