/*
 * Weights decoded straight into AMX's B (VNNI) layout for the small-batch GEMM (gemm_small.c): per
 * block of 32, row k (64 bytes) holds weights 4k..4k+3 of each of the 16 rows. The rows' bytes are
 * loaded 16 rows at a time, transposed by 4-byte groups with vpermt2d (16 x 4 for Q4_0's 16 bytes of
 * nibbles, 16 x 8 for 32 bytes), then the nibbles / 6-bit values are split as in the row decoders of
 * gemm.c; the scales of the 16 rows come as vectors too (f16 -> float 16 at a time; Q4_K's and Q6_K's
 * sub-block scales transposed with vpermb). The next pass's bytes are prefetched.
 */
#include "gemm_internal.h"

#include <immintrin.h>
#include <string.h>

#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,f16c,fma")))
#define VBMI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vbmi,f16c,fma")))

/* Index vectors of the transposes by 4-byte groups (vpermt2d stages): 16 x 8 -> 8 x 16 (s[0..2]),
 * 16 x 4 -> 4 x 16 (s[0], then s[3]). */
typedef struct {
    __m512i s[4][2];
} transpose_index;

AVX512_TARGET static transpose_index transpose_indices(void) {
    int32_t idx[4][2][16];
    for (int x = 0; x < 2; x++) {
        for (int l = 0; l < 16; l++) {
            idx[0][x][l] = ((l & ~1) | x) + 16 * (l & 1);
            idx[1][x][l] = ((l & ~2) | x << 1) + 16 * ((l >> 1) & 1);
            idx[2][x][l] = ((l & 1) << 3 | x << 2 | ((l >> 2) & 1) << 1 | ((l >> 1) & 1)) + 16 * (l >> 3);
            idx[3][x][l] = (((l >> 1) & 1) << 3 | (l & 1) << 2 | x << 1 | ((l >> 2) & 1)) + 16 * (l >> 3);
        }
    }
    transpose_index t;
    for (int s = 0; s < 4; s++) {
        for (int x = 0; x < 2; x++) {
            t.s[s][x] = _mm512_loadu_si512(idx[s][x]);
        }
    }
    return t;
}

/*
 * z[r] holds rows 2r, 2r+1 of a 16 x 8 matrix of 4-byte groups; afterwards z[k] holds column k
 * (group k of rows 0..15). Stage s exchanges bit s of the register number with a bit of the lane
 * number (the last one also puts the lanes in row order).
 */
AVX512_TARGET static inline void transpose8(__m512i *z, const transpose_index *t) {
    __m512i y[8];
    for (int s = 0; s < 3; s++) {
        int step = 1 << s;
        for (int r = 0; r < 8; r++) {
            if (!(r & step)) {
                y[r] = _mm512_permutex2var_epi32(z[r], t->s[s][0], z[r + step]);
                y[r + step] = _mm512_permutex2var_epi32(z[r], t->s[s][1], z[r + step]);
            }
        }
        memcpy(z, y, sizeof y);
    }
}

/* x[m] holds rows 4m..4m+3 (a 16-byte lane each) of a 16 x 4 matrix of 4-byte groups; afterwards
 * x[k] holds column k. */
AVX512_TARGET static inline void transpose4(__m512i *x, const transpose_index *t) {
    __m512i y[4];
    for (int m = 0; m < 4; m += 2) {
        y[m] = _mm512_permutex2var_epi32(x[m], t->s[0][0], x[m + 1]);
        y[m + 1] = _mm512_permutex2var_epi32(x[m], t->s[0][1], x[m + 1]);
    }
    for (int m = 0; m < 2; m++) {
        x[m] = _mm512_permutex2var_epi32(y[m], t->s[3][0], y[m + 2]);
        x[m + 2] = _mm512_permutex2var_epi32(y[m], t->s[3][1], y[m + 2]);
    }
}

/* The f16 scales at rp[i] + off of the 16 rows, as floats at ws. */
AVX512_TARGET static inline void scales(const uint8_t *const *rp, size_t off, float *ws) {
    uint16_t h[16];
    for (int i = 0; i < 16; i++) {
        memcpy(h + i, rp[i] + off, 2);
    }
    _mm512_storeu_ps(ws, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) h)));
}

static inline void prefetch(const uint8_t *const *rp, size_t off, size_t span) {
    for (int i = 0; i < 16; i++) {
        for (size_t o = 0; o < span; o += 64) {
            _mm_prefetch((const char *) rp[i] + off + o, _MM_HINT_T0);
        }
    }
}

/* Rows 2r, 2r+1 of 32 bytes at rp[i] + off, transposed by 4-byte groups: z[k] = group k of the 16 rows. */
AVX512_TARGET static inline void load_transposed(const uint8_t *const *rp, size_t off, __m512i *z,
                                                 const transpose_index *t) {
    for (int r = 0; r < 8; r++) {
        __m512i v = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *) (rp[2 * r] + off)));
        z[r] = _mm512_inserti64x4(v, _mm256_loadu_si256((const __m256i *) (rp[2 * r + 1] + off)), 1);
    }
    transpose8(z, t);
}

/* Q4_0, blocks [b0, b0 + nb) of the 16 rows rp straight into the B layout: the 16 x 16 bytes of
 * nibbles transposed by 4-byte groups, then group k's low nibbles are B row k, its high ones row 4+k. */
AVX512_TARGET static void unpack_q4_0(const uint8_t *const *rp, int b0, int nb, int8_t *pb, float *ws,
                                      const transpose_index *t) {
    const __m512i low = _mm512_set1_epi8(0xF), eight = _mm512_set1_epi8(8);
    prefetch(rp, 18 * (size_t) (b0 + nb), 18 * GEMM_CHUNK);
    for (int b = 0; b < nb; b++) {
        size_t off = 18 * (size_t) (b0 + b) + 2;
        __m512i x[4];
        for (int m = 0; m < 4; m++) {
            __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *) (rp[4 * m] + off)));
            v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *) (rp[4 * m + 1] + off)), 1);
            v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *) (rp[4 * m + 2] + off)), 2);
            x[m] = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *) (rp[4 * m + 3] + off)), 3);
        }
        transpose4(x, t);
        for (int k = 0; k < 4; k++) {
            _mm512_store_si512(pb + 512 * b + 64 * k, _mm512_sub_epi8(_mm512_and_si512(x[k], low), eight));
            _mm512_store_si512(pb + 512 * b + 64 * (4 + k),
                               _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(x[k], 4), low), eight));
        }
        scales(rp, off - 2, ws + 16 * b);
    }
}

/* Q8_0, likewise: the 32 bytes of 16 rows, 16 x 8 groups transposed. */
AVX512_TARGET static void unpack_q8_0(const uint8_t *const *rp, int b0, int nb, int8_t *pb, float *ws,
                                      const transpose_index *t) {
    prefetch(rp, 34 * (size_t) (b0 + nb), 34 * GEMM_CHUNK);
    for (int b = 0; b < nb; b++) {
        size_t off = 34 * (size_t) (b0 + b) + 2;
        __m512i z[8];
        load_transposed(rp, off, z, t);
        for (int k = 0; k < 8; k++) {
            _mm512_store_si512(pb + 512 * b + 64 * k, z[k]);
        }
        scales(rp, off - 2, ws + 16 * b);
    }
}

/* Q4_K's 6-bit scales (low 4 bytes) and mins (high 4 bytes) of one super-block, 8 bytes each. */
static inline void q4_k_scales(const uint8_t *s12, uint8_t *sc, uint8_t *m) {
    uint32_t u0, u1, u2;
    memcpy(&u0, s12, 4);
    memcpy(&u1, s12 + 4, 4);
    memcpy(&u2, s12 + 8, 4);
    uint32_t s[2] = {u0 & 0x3f3f3f3f, (u2 & 0x0f0f0f0f) | ((u0 >> 6) & 0x03030303) << 4};
    uint32_t n[2] = {u1 & 0x3f3f3f3f, ((u2 >> 4) & 0x0f0f0f0f) | ((u1 >> 6) & 0x03030303) << 4};
    memcpy(sc, s, 8);
    memcpy(m, n, 8);
}

/* t: 16 rows x 8 bytes (unsigned, or signed when sign) -> ws[j*16 + i] = f[i] * t[i][j], j < 8. */
VBMI_TARGET static inline void block_scales(const uint8_t *t, __m512 f, float *ws, int sign) {
    int8_t idx[128];
    for (int p = 0; p < 128; p++) {
        idx[p] = (int8_t) ((p % 16) * 8 + p / 16);
    }
    __m512i a = _mm512_loadu_si512(t), b = _mm512_loadu_si512(t + 64);
    __m512i lo = _mm512_permutex2var_epi8(a, _mm512_loadu_si512(idx), b);
    __m512i hi = _mm512_permutex2var_epi8(a, _mm512_loadu_si512(idx + 64), b);
    for (int j = 0; j < 4; j++) {
        __m128i l = _mm512_extracti32x4_epi32(lo, 0), h = _mm512_extracti32x4_epi32(hi, 0);
        __m512 v0 = _mm512_cvtepi32_ps(sign ? _mm512_cvtepi8_epi32(l) : _mm512_cvtepu8_epi32(l));
        __m512 v1 = _mm512_cvtepi32_ps(sign ? _mm512_cvtepi8_epi32(h) : _mm512_cvtepu8_epi32(h));
        _mm512_storeu_ps(ws + 16 * j, _mm512_mul_ps(f, v0));
        _mm512_storeu_ps(ws + 16 * (4 + j), _mm512_mul_ps(f, v1));
        lo = _mm512_alignr_epi32(lo, lo, 4);
        hi = _mm512_alignr_epi32(hi, hi, 4);
    }
}

/* Q4_K, super-blocks of blocks [b0, b0 + nb) (multiples of 8) of the 16 rows into the B layout:
 * per 32 bytes of nibbles, the 16 x 8 groups transposed; the low nibbles are block 2c, the high
 * ones block 2c+1. Scales d*sc and -dmin*m per row and block, 16 rows at a time. */
VBMI_TARGET static void unpack_q4_k(const uint8_t *const *rp, int b0, int nb, int8_t *pb, float *ws, float *wm,
                                    const transpose_index *t) {
    const __m512i low = _mm512_set1_epi8(0xF);
    prefetch(rp, 144 * (size_t) (b0 + nb) / 8, 144 * GEMM_CHUNK / 8);
    for (int sb = 0; sb < nb / 8; sb++) {
        size_t off = 144 * (size_t) (b0 / 8 + sb);
        uint16_t h[32];
        uint8_t sc[128], m[128];
        for (int i = 0; i < 16; i++) {
            memcpy(h + i, rp[i] + off, 2);
            memcpy(h + 16 + i, rp[i] + off + 2, 2);
            q4_k_scales(rp[i] + off + 4, sc + 8 * i, m + 8 * i);
        }
        __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) h));
        __m512 dmin = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (h + 16)));
        block_scales(sc, d, ws + 128 * sb, 0);
        block_scales(m, _mm512_sub_ps(_mm512_setzero_ps(), dmin), wm + 128 * sb, 0);
        for (int c = 0; c < 4; c++) {
            __m512i z[8];
            load_transposed(rp, off + 16 + 32 * c, z, t);
            int8_t *o = pb + 512 * (8 * sb + 2 * c);
            for (int k = 0; k < 8; k++) {
                _mm512_store_si512(o + 64 * k, _mm512_and_si512(z[k], low));
                _mm512_store_si512(o + 512 + 64 * k, _mm512_and_si512(_mm512_srli_epi16(z[k], 4), low));
            }
        }
    }
}

/* Q6_K into the B layout: per half of a super-block, ql (2 x 32 bytes) and qh (32) transposed, then
 * the four blocks' 6-bit values - 32 as in unpack_q6_k (gemm.c); scales d*sc per 16 weights. */
VBMI_TARGET static void unpack_q6_k(const uint8_t *const *rp, int b0, int nb, int8_t *pb, float *ws,
                                    const transpose_index *t) {
    const __m512i low = _mm512_set1_epi8(0xF), high = _mm512_set1_epi8(0x30), off32 = _mm512_set1_epi8(32);
    prefetch(rp, 210 * (size_t) (b0 + nb) / 8, 210 * GEMM_CHUNK / 8);
    for (int sb = 0; sb < nb / 8; sb++) {
        size_t off = 210 * (size_t) (b0 / 8 + sb);
        uint16_t h[16];
        uint8_t sc[2][128];
        for (int i = 0; i < 16; i++) {
            memcpy(h + i, rp[i] + off + 208, 2);
            memcpy(sc[0] + 8 * i, rp[i] + off + 192, 8);
            memcpy(sc[1] + 8 * i, rp[i] + off + 200, 8);
        }
        __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) h));
        for (int half = 0; half < 2; half++) {
            block_scales(sc[half], d, ws + 16 * (16 * sb + 8 * half), 1);
            __m512i l0[8], l1[8], qh[8];
            load_transposed(rp, off + 64 * half, l0, t);
            load_transposed(rp, off + 64 * half + 32, l1, t);
            load_transposed(rp, off + 128 + 32 * half, qh, t);
            int8_t *o = pb + 512 * (8 * sb + 4 * half);
            for (int k = 0; k < 8; k++) {
                __m512i v0 = _mm512_or_si512(_mm512_and_si512(l0[k], low), _mm512_and_si512(_mm512_slli_epi16(qh[k], 4), high));
                __m512i v1 = _mm512_or_si512(_mm512_and_si512(l1[k], low), _mm512_and_si512(_mm512_slli_epi16(qh[k], 2), high));
                __m512i v2 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l0[k], 4), low), _mm512_and_si512(qh[k], high));
                __m512i v3 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l1[k], 4), low),
                                             _mm512_and_si512(_mm512_srli_epi16(qh[k], 2), high));
                _mm512_store_si512(o + 64 * k, _mm512_sub_epi8(v0, off32));
                _mm512_store_si512(o + 512 + 64 * k, _mm512_sub_epi8(v1, off32));
                _mm512_store_si512(o + 1024 + 64 * k, _mm512_sub_epi8(v2, off32));
                _mm512_store_si512(o + 1536 + 64 * k, _mm512_sub_epi8(v3, off32));
            }
        }
    }
}

VBMI_TARGET void flotilla_gemm_vnni(int type, const uint8_t *const *rp, int b0, int nb, int8_t *pb, float *ws,
                                    float *wm) {
    transpose_index t = transpose_indices();
    switch (type) {
        case FLOTILLA_GEMM_Q4_0: unpack_q4_0(rp, b0, nb, pb, ws, &t); break;
        case FLOTILLA_GEMM_Q8_0: unpack_q8_0(rp, b0, nb, pb, ws, &t); break;
        case FLOTILLA_GEMM_Q4_K: unpack_q4_k(rp, b0, nb, pb, ws, wm, &t); break;
        default: unpack_q6_k(rp, b0, nb, pb, ws, &t); break;
    }
}
