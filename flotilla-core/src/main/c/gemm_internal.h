/*
 * Shared inside the GEMM (gemm.c, gemm_small.c); nothing here is exported.
 */
#ifndef FLOTILLA_GEMM_INTERNAL_H
#define FLOTILLA_GEMM_INTERNAL_H

#include "gemm.h"

#include <immintrin.h>
#include <string.h>

#define AMX_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,f16c,fma,amx-tile,amx-int8")))

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

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} __attribute__((packed)) tile_config;

/* Tiles 0/3: C, m x 16 int32; 1/4: A, m x k int8; 2/5: B, k/4 x 16 x 4 int8 (k = 16 for Q6_K's
 * halves, else 32). m = 16 rows (gemm.c) or n tokens (gemm_small.c). */
AMX_TARGET static inline void configure(int type, int m) {
    tile_config c;
    memset(&c, 0, sizeof c);
    c.palette = 1;
    int k = type == FLOTILLA_GEMM_Q6_K ? 16 : 32;
    for (int t = 0; t < 6; t += 3) {
        c.rows[t] = m; c.colsb[t] = 64;
        c.rows[t + 1] = m; c.colsb[t + 1] = k;
        c.rows[t + 2] = k / 4; c.colsb[t + 2] = 64;
    }
    __asm__ volatile("" : : "m"(c) : "memory"); /* gcc 12 does not see ldtilecfg read c */
    _tile_loadconfig(&c);
}

/*
 * The integer products of block b (tiles: C 0/3, A 1/4, B 2/5 alternate with b's parity; A rows of
 * 32 bytes at a + b*512, B rows of 64 at bm + b*512), and their store into cbuf. The AMX unit runs its instructions in order: the loop computes block b+1 before
 * it stores block b, so that the store does not wait for the product just issued.
 */
AMX_TARGET static inline void product(int b, const int8_t *a, const int8_t *bm) {
    if (b & 1) {
        _tile_loadd(4, a + b * 512, 32);
        _tile_loadd(5, bm + b * 512, 64);
        _tile_zero(3);
        _tile_dpbssd(3, 4, 5);
    } else {
        _tile_loadd(1, a + b * 512, 32);
        _tile_loadd(2, bm + b * 512, 64);
        _tile_zero(0);
        _tile_dpbssd(0, 1, 2);
    }
}

AMX_TARGET static inline void store(int b, uint8_t *cbuf) {
    if (b & 1) {
        _tile_stored(3, cbuf + 1024, 64);
    } else {
        _tile_stored(0, cbuf, 64);
    }
}

/* Q6_K: the two halves of block b (K = 16 each, a scale per 16 weights) in C tiles 0 and 3. */
AMX_TARGET static inline void product_halves(int b, const int8_t *a, const int8_t *bm) {
    _tile_loadd(1, a + b * 512, 32);
    _tile_loadd(2, bm + b * 512, 64);
    _tile_loadd(4, a + b * 512 + 16, 32);
    _tile_loadd(5, bm + b * 512 + 256, 64);
    _tile_zero(0);
    _tile_zero(3);
    _tile_dpbssd(0, 1, 2);
    _tile_dpbssd(3, 4, 5);
}

#endif
