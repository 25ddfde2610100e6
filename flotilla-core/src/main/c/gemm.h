/*
 * Flotilla's many-token product (GEMM) on Intel AMX: out[t*out_stride + r] = W[r] . x[t] for rows
 * r in [r0, r1) and tokens t in [0, n), quantized weights read in place from the GGUF data and
 * activations quantized to 8 bits once per product (flotilla_gemm_prepare).
 *
 * Activations ("prepared", per group g of 16 tokens and block b of 32 values, nb = cols/32 blocks,
 * slot = g*nb + b):
 *   q  int8 at q[slot*512 ..]: for n > 16 AMX's B layout, row k (0..7) holds the quants 4k..4k+3
 *      of each of the 16 tokens (token j at bytes 4j..4j+3); for n <= 16 (small batches: the
 *      tokens are the A rows) token j's 32 quants at bytes 32j..32j+31; tokens past n are zero;
 *   d  float at d[slot*16 + j]: the scale of token j's block (Q8_0: per block; Q8_K: per 256,
 *      repeated in its 8 blocks);
 *   s  float at s[slot*16 + j]: d times the sum of the block's quants (for the mins of Q4_K).
 * Sizes: q = groups*16*cols bytes, d and s = groups*16*cols/32 floats (groups = ceil(n/16)).
 *
 * Every block product is an exact integer (AMX TDPBSSD); scales are applied per block in float.
 * The code never starts threads; each call needs its own scratch (flotilla_gemm_scratch_bytes).
 */
#ifndef FLOTILLA_GEMM_H
#define FLOTILLA_GEMM_H

#include "flotilla.h"

/* Weight types, numbered as GGUF's ggml_type. */
#define FLOTILLA_GEMM_Q4_0 2
#define FLOTILLA_GEMM_Q8_0 8
#define FLOTILLA_GEMM_Q4_K 12
#define FLOTILLA_GEMM_Q6_K 14

/* 1 when this CPU and kernel run the AMX GEMM (AMX-INT8, AVX-512 with VBMI; asks the kernel for AMX
 * state once), else 0. */
FLOTILLA_EXPORT int32_t flotilla_gemm_available(void);

/* Bytes of scratch one caller needs for rows of cols values and n tokens. */
FLOTILLA_EXPORT int64_t flotilla_gemm_scratch_bytes(int32_t cols, int32_t n);

/* Quantizes n tokens of cols floats (x, token t at t*cols): Q8_K blocks when super != 0 (K-quant
 * weights), else Q8_0. Layout above. */
FLOTILLA_EXPORT void flotilla_gemm_prepare(const float *x, int32_t n, int32_t cols, int32_t super,
                                           int8_t *q, float *d, float *s);

/* The product for rows [r0, r1) (type: FLOTILLA_GEMM_*); w is the matrix, row r at w + r*row_bytes.
 * Returns 0, or -1 for a type it does not handle. */
FLOTILLA_EXPORT int32_t flotilla_gemm_rows(int32_t type, const uint8_t *w, int64_t row_bytes,
                                           int32_t r0, int32_t r1, int32_t cols, int32_t n,
                                           const int8_t *q, const float *d, const float *s,
                                           float *out, int32_t out_stride, uint8_t *scratch);

#endif
