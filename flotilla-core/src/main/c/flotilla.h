/*
 * Flotilla native kernels: shared declarations of libflotilla_kernels.so.
 *
 * Every *.c file of this folder is compiled into that one library (build.sh). Exported functions
 * carry FLOTILLA_EXPORT and the prefix flotilla_; everything else stays hidden
 * (-fvisibility=hidden). The library never starts threads: Java's Compute threads each call a
 * kernel for their own share of rows. Java reaches the functions through FFM downcalls
 * (io.flotilla.kernel.NativeKernels).
 */
#ifndef FLOTILLA_H
#define FLOTILLA_H

#include <stdint.h>

#define FLOTILLA_EXPORT __attribute__((visibility("default")))

/* CPU variants the kernels have, in increasing order (flotilla_cpu_level). */
enum flotilla_cpu_level {
    FLOTILLA_CPU_NONE = 0,    /* below AVX2+FMA+F16C: Java kernels only */
    FLOTILLA_CPU_AVX2 = 1,    /* AVX2, FMA, F16C */
    FLOTILLA_CPU_AVXVNNI = 2, /* AVX2 + AVX-VNNI (vpdpbusd on 256 bits) */
    FLOTILLA_CPU_AVX512VNNI = 3 /* AVX-512 F/BW/VL + AVX512_VNNI (implies level 2's instructions here) */
};

/* The CPU variant this machine runs, decided once at load. */
FLOTILLA_EXPORT int32_t flotilla_cpu_level(void);

/* Runs the kernels at most at variant max (to test the lower variants on a newer CPU; the
   detected level when max is above it); returns the level now active. Not for concurrent use
   with running kernels. */
FLOTILLA_EXPORT int32_t flotilla_limit_cpu_level(int32_t max);

/*
 * The one-token (matrix-vector) products of quantized weights with 8-bit activations:
 *   out[t*out_stride + r] = W[r] . x[t]  for rows r in [r0, r1) and tokens t in [0, n).
 * w: the GGUF data of the matrix (rows of row_bytes bytes, row r at w + r*row_bytes), read in place.
 * Activations, token t at offset t*cols (q) / t*cols/32 (d) / t*cols/16 (s16) / t*cols/4 (neg4):
 *   q   int8 quants,
 *   d   one float scale per 32 values (Q8_0 blocks; for K-quants the Q8_K scale repeated 8 times),
 *   s16 the sum of each 16 consecutive quants (for offsets and mins),
 *   neg4 minus the sum of each 4 consecutive quants (the offsets of Q4_0 and Q8_0, per vpdpbusd lane).
 * Block sums are exact integers; only the float accumulation order differs from Java's kernels.
 */
#define FLOTILLA_MATVEC_ARGS const uint8_t *w, int64_t row_bytes, int32_t r0, int32_t r1, int32_t cols, \
    int32_t n, const int8_t *q, const float *d, const int16_t *s16, const int32_t *neg4, float *out, \
    int32_t out_stride

FLOTILLA_EXPORT void flotilla_matvec_q4_0(FLOTILLA_MATVEC_ARGS);
FLOTILLA_EXPORT void flotilla_matvec_q8_0(FLOTILLA_MATVEC_ARGS);
FLOTILLA_EXPORT void flotilla_matvec_q4_k(FLOTILLA_MATVEC_ARGS);
FLOTILLA_EXPORT void flotilla_matvec_q6_k(FLOTILLA_MATVEC_ARGS);

/*
 * Quantizes count floats of activations (a multiple of 32, or of 256 with super_blocks) for the
 * one-token products, exactly as io.flotilla.kernel.Activations does in Java: Q8_0 blocks of 32, or
 * Q8_K super-blocks of 256 (for K-quant weights, the scale repeated in d for each 32), writing q, d,
 * s16 and neg4 in the layout flotilla_matvec_* reads (quantize.c).
 */
FLOTILLA_EXPORT void flotilla_quantize_q8(const float *x, int64_t count, int32_t super_blocks, int8_t *q, float *d,
                                          int16_t *s16, int32_t *neg4);

/*
 * Moves [addr, addr + len) of a read-only mapping onto anonymous 2 MiB pages holding the same bytes
 * (hugepages.c); addr and len multiples of 2 MiB. Returns 0, or the errno of the step that failed
 * (the range is then left as it was).
 */
FLOTILLA_EXPORT int32_t flotilla_remap_huge(void *addr, int64_t len);

#endif
