/*
 * Shared inside the GEMM (gemm.c, gemm_small.c); nothing here is exported.
 */
#ifndef FLOTILLA_GEMM_INTERNAL_H
#define FLOTILLA_GEMM_INTERNAL_H

#include "gemm.h"

#define GEMM_ROWS 16
/* Blocks of 32 decoded per pass over a tile of rows: a 16 KB panel, in L1 with the activations. */
#define GEMM_CHUNK 32
/* At most this many tokens take the small-batch path (tokens as the AMX A rows). */
#define GEMM_SMALL 16

/* Blocks [b0, b0 + nb) of the 16 rows rp (K-quants: b0, nb multiples of 8) in AMX's B layout at
 * pb + b*512 (row k: weights 4k..4k+3 of the 16 rows), float scales at ws[b*16 + i] (Q6_K:
 * ws[(2b + h)*16 + i] per half h), Q4_K's -dmin*m at wm[b*16 + i]. */
void flotilla_gemm_vnni(int type, const uint8_t *const *rp, int b0, int nb, int8_t *pb, float *ws, float *wm);

/* flotilla_gemm_rows for n <= GEMM_SMALL tokens (activations in the token-major layout). */
void flotilla_gemm_small(int type, const uint8_t *w, int64_t row_bytes, int r0, int r1, int cols, int n,
                         const int8_t *q, const float *d, const float *s, float *out, int out_stride,
                         uint8_t *base);

#endif
