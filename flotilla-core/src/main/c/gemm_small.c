/*
 * The GEMM for small batches (n <= 16 tokens, batched decode): the tokens are the AMX A rows
 * (n x 32 int8 per block, token-major as flotilla_gemm_prepare writes them for such n) and the
 * weights the B tile, decoded per tile of 16 rows and pass of 32 blocks straight into AMX's VNNI
 * layout (gemm_vnni.c) and reused by every block product of the pass. TDPBSSD gives
 * C = n tokens x 16 rows, so the float epilogue costs n (not 16) vector operations per block and
 * nothing is computed for missing tokens; each token's 16 results are one vector store.
 */
#include "gemm_internal.h"

#include <immintrin.h>
#include <string.h>


/* acc[t] += (C row t, as floats) x (the 16 rows' weight scales) x (token t's scale) */
#define EPILOGUE(N, cbuf, wsv, dt)                                                             \
    _Pragma("GCC unroll 16") for (int t = 0; t < (N); t++) {                                   \
        __m512 c = _mm512_cvtepi32_ps(_mm512_loadu_si512((cbuf) + 64 * t));                    \
        acc[t] = _mm512_fmadd_ps(c, _mm512_mul_ps(wsv, _mm512_set1_ps((dt)[t])), acc[t]);       \
    }

/* The blocks [0, nb) of one decoded chunk for N tokens (a constant once inlined). */
__attribute__((always_inline)) AMX_TARGET static inline void blocks(int N, int type, int nb, const int8_t *pb,
        const float *ws, const float *wm, const int8_t *q, const float *d, const float *s, uint8_t *cbuf,
        __m512 *acc) {
    if (type == FLOTILLA_GEMM_Q6_K) {
        for (int b = 0; b < nb; b++) {
            product_halves(b, q, pb); /* A: the tokens, B: the weights */
            _tile_stored(0, cbuf, 64);
            _tile_stored(3, cbuf + 1024, 64);
            __m512 w0 = _mm512_loadu_ps(ws + 32 * b), w1 = _mm512_loadu_ps(ws + 32 * b + 16);
            EPILOGUE(N, cbuf, w0, d + 16 * b)
            EPILOGUE(N, cbuf + 1024, w1, d + 16 * b)
        }
        return;
    }
    product(0, q, pb);
    for (int b = 0; b < nb; b++) {
        if (b + 1 < nb) {
            product(b + 1, q, pb); /* the AMX unit runs in order: multiply b+1 before storing b */
        }
        store(b, cbuf);
        __m512 wsv = _mm512_loadu_ps(ws + 16 * b);
        EPILOGUE(N, cbuf + 1024 * (b & 1), wsv, d + 16 * b)
        if (type == FLOTILLA_GEMM_Q4_K) {
            __m512 wmv = _mm512_loadu_ps(wm + 16 * b);
            for (int t = 0; t < N; t++) {
                acc[t] = _mm512_fmadd_ps(wmv, _mm512_set1_ps(s[16 * b + t]), acc[t]);
            }
        }
    }
}

/* Rows [r, r + rows) (rows <= 16) for N tokens. */
__attribute__((always_inline)) AMX_TARGET static inline void tile(int N, int type, const uint8_t *w,
        int64_t row_bytes, int r, int rows, int nb, const int8_t *q, const float *d, const float *s,
        float *out, int out_stride, int8_t *p, float *ws, float *wm, uint8_t *cbuf) {
    __m512 acc[GEMM_SMALL];
    for (int t = 0; t < N; t++) {
        acc[t] = _mm512_setzero_ps();
    }
    const uint8_t *rp[GEMM_ROWS]; /* missing rows repeat the last one: their results are not stored */
    for (int i = 0; i < GEMM_ROWS; i++) {
        rp[i] = w + (int64_t) (r + (i < rows ? i : rows - 1)) * row_bytes;
    }
    for (int b0 = 0; b0 < nb; b0 += GEMM_CHUNK) {
        int cb = nb - b0 < GEMM_CHUNK ? nb - b0 : GEMM_CHUNK;
        flotilla_gemm_vnni(type, rp, b0, cb, p, ws, wm);
        blocks(N, type, cb, p, ws, wm, q + (size_t) b0 * 512, d + 16 * b0, s + 16 * b0, cbuf, acc);
    }
    __mmask16 m = (__mmask16) ((1u << rows) - 1);
    for (int t = 0; t < N; t++) {
        _mm512_mask_storeu_ps(out + (size_t) t * out_stride + r, m, acc[t]);
    }
}

#define TILE_CASE(N) \
    case N: tile(N, type, w, row_bytes, r, rows, nb, q, d, s, out, out_stride, p, ws, wm, cbuf); break;

AMX_TARGET void flotilla_gemm_small(int type, const uint8_t *w, int64_t row_bytes, int r0, int r1, int cols,
                                    int n, const int8_t *q, const float *d, const float *s, float *out,
                                    int out_stride, uint8_t *base) {
    int nb = cols / 32;
    int8_t *p = (int8_t *) base;                                     /* GEMM_CHUNK blocks x 512 */
    float *ws = (float *) (base + (size_t) GEMM_ROWS * GEMM_CHUNK * 32); /* 2 x GEMM_CHUNK x 16 */
    float *wm = ws + 2 * GEMM_CHUNK * 16;                            /* GEMM_CHUNK x 16 */
    uint8_t *cbuf = (uint8_t *) (wm + GEMM_CHUNK * 16);              /* 2 KB */
    configure(type, n);
    for (int r = r0; r < r1; r += GEMM_ROWS) {
        int rows = r1 - r < GEMM_ROWS ? r1 - r : GEMM_ROWS;
        switch (n) {
            TILE_CASE(1) TILE_CASE(2) TILE_CASE(3) TILE_CASE(4) TILE_CASE(5) TILE_CASE(6) TILE_CASE(7)
            TILE_CASE(8) TILE_CASE(9) TILE_CASE(10) TILE_CASE(11) TILE_CASE(12) TILE_CASE(13)
            TILE_CASE(14) TILE_CASE(15) default: TILE_CASE(16)
        }
    }
    _tile_release();
}
