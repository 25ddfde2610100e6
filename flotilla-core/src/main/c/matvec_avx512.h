/*
 * 512-bit one-token kernels for Q4_0 and Q8_0 (CPU level AVX512-VNNI), included by matvec.c inside
 * its AVX-512 target region, after matvec_body.h (whose 256-bit block functions take the tails).
 *
 * Four blocks per step (a group), two per 512-bit register: 8 lanes of partial integer sums per
 * block. The four blocks' scales (weight f16 times activation scale) are made once as one 128-bit
 * vector and spread to the lanes by a permute; the weights' offset (-8 for Q4_0, -128 for Q8_0 read
 * as unsigned) is each lane's starting value: the offset times the sum of the lane's own 4
 * activations (neg4), so every lane holds exactly sum(w * a) of its 4 weights and no float sum of
 * large lanes cancels. Four rows per pass share the activations' loads and lane starts, and
 * prefetch the next pass's rows into L2 (two or three lines per row and group): the rows of a pass
 * are separate streams that the hardware prefetcher alone did not keep ahead of (session 6, Q4_0
 * multi-row, docs/performance.md).
 */

/* The scales of blocks b..b+3: f16 weight scales at blk, blk+bytes, ... times d[0..3]. */
static inline __m128 scales4_avx512(const uint8_t *blk, int32_t bytes, const float *d) {
    uint16_t h[4];
    for (int i = 0; i < 4; i++) {
        __builtin_memcpy(&h[i], blk + i * bytes, 2);
    }
    __m128i halves = _mm_setr_epi16((short) h[0], (short) h[1], (short) h[2], (short) h[3], 0, 0, 0, 0);
    return _mm_mul_ps(_mm_cvtph_ps(halves), _mm_loadu_ps(d));
}

/* 16 int32 lanes (two blocks) times their blocks' scales, added to acc. */
static inline __m512 scaled2_avx512(__m512i p, __m128 s4, __m512i idx, __m512 acc) {
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(p), _mm512_permutexvar_ps(idx, _mm512_castps128_ps512(s4)), acc);
}

/*
 * Q4_0, several rows per pass (rows_q4_0_zmm). A group is 4 blocks (72 bytes) of a row, read as two
 * 64-byte loads at the group's start and 36 bytes on, which hold a pair of blocks each in the same
 * layout (f16 scale, 16 nibble bytes, f16 scale, 16 nibble bytes). One vpermw per pair puts the
 * nibble bytes as lo(b), lo(b+1), hi(b), hi(b+1) (the high half then shifted by 4 under a mask), one
 * vpermt2w picks the group's four f16 scales out of both loads. The activations (and their neg4
 * starts) are put in that order once per group by a 128-bit lane shuffle and shared by the rows.
 */
#define Q4_0_ROWS 4

struct q4_0_group {
    __m512i a0, a1, n0, n1; /* the two pairs' activations and lane starts, in the nibbles' order */
    __m128 d;               /* the four blocks' activation scales */
};

static inline __attribute__((always_inline)) struct q4_0_group q4_0_group_at(const int8_t *q, const float *d,
                                                                              const int32_t *neg4) {
    struct q4_0_group g;
    g.a0 = _mm512_shuffle_i64x2(_mm512_loadu_si512((const void *) q), _mm512_loadu_si512((const void *) q),
                                _MM_SHUFFLE(3, 1, 2, 0));
    g.a1 = _mm512_loadu_si512((const void *) (q + 64));
    g.a1 = _mm512_shuffle_i64x2(g.a1, g.a1, _MM_SHUFFLE(3, 1, 2, 0));
    __m512i n0 = _mm512_loadu_si512((const void *) neg4), n1 = _mm512_loadu_si512((const void *) (neg4 + 16));
    g.n0 = _mm512_slli_epi32(_mm512_shuffle_i64x2(n0, n0, _MM_SHUFFLE(3, 1, 2, 0)), 3);
    g.n1 = _mm512_slli_epi32(_mm512_shuffle_i64x2(n1, n1, _MM_SHUFFLE(3, 1, 2, 0)), 3);
    g.d = _mm_loadu_ps(d);
    return g;
}

/* The nibbles of the pair of blocks in a 64-byte load v, as unsigned bytes in the group's order. */
static inline __attribute__((always_inline)) __m512i q4_0_pair_nibbles(__m512i v, __m512i words) {
    __m512i z = _mm512_permutexvar_epi16(words, v);
    z = _mm512_mask_srli_epi16(z, (__mmask32) 0xFFFF0000u, z, 4);
    return _mm512_and_si512(z, _mm512_set1_epi8(0x0F));
}

/* One row's group: v0 = 64 bytes at the group, v1 = 64 (or 36) bytes 36 on; adds to acc0, acc1. */
static inline __attribute__((always_inline)) void q4_0_group_row(const struct q4_0_group *g, __m512i v0, __m512i v1,
                                                                 __m512i words, __m512i scale_words, __m512 *acc0,
                                                                 __m512 *acc1) {
    const __m512i idx01 = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1);
    const __m512i idx23 = _mm512_setr_epi32(2, 2, 2, 2, 3, 3, 3, 3, 2, 2, 2, 2, 3, 3, 3, 3);
    __m128i h = _mm512_castsi512_si128(_mm512_permutex2var_epi16(v0, scale_words, v1));
    __m512 s4 = _mm512_castps128_ps512(_mm_mul_ps(_mm_cvtph_ps(h), g->d));
    __m512i p0 = _mm512_dpbusd_epi32(g->n0, q4_0_pair_nibbles(v0, words), g->a0);
    __m512i p1 = _mm512_dpbusd_epi32(g->n1, q4_0_pair_nibbles(v1, words), g->a1);
    *acc0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p0), _mm512_permutexvar_ps(idx01, s4), *acc0);
    *acc1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p1), _mm512_permutexvar_ps(idx23, s4), *acc1);
}

static const uint16_t q4_0_words[32] = {1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17,
                                        1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17};
/* the four scales: words 0 and 9 of the first load, words 0 and 9 of the second (32 + i) */
static const uint16_t q4_0_scale_words[32] = {0, 9, 32, 41};

/* Rows rows[0..k) (k <= Q4_0_ROWS) against one token: out[i * stride] = row i . token. */
static inline __attribute__((always_inline)) void q4_0_dot_rows(const uint8_t *const *rows, int k, int32_t nb,
                                                               const int8_t *q, const float *d, const int32_t *neg4,
                                                               float *out, int64_t stride, int64_t ahead) {
    const __m512i words = _mm512_loadu_si512((const void *) q4_0_words);
    const __m512i scale_words = _mm512_loadu_si512((const void *) q4_0_scale_words);
    __m512 acc0[Q4_0_ROWS], acc1[Q4_0_ROWS];
    for (int i = 0; i < k; i++) {
        acc0[i] = _mm512_setzero_ps(), acc1[i] = _mm512_setzero_ps();
    }
    int32_t b = 0;
    for (; b + 6 <= nb; b += 4) { /* the second load reads 100 bytes from the group: stay inside the row */
        struct q4_0_group g = q4_0_group_at(q + 32 * b, d + b, neg4 + 8 * b);
        for (int i = 0; i < k; i++) {
            const uint8_t *blk = rows[i] + 18 * b;
            _mm_prefetch((const char *) blk + ahead, _MM_HINT_T1);
            _mm_prefetch((const char *) blk + ahead + 64, _MM_HINT_T1);
            q4_0_group_row(&g, _mm512_loadu_si512((const void *) blk), _mm512_loadu_si512((const void *) (blk + 36)),
                           words, scale_words, &acc0[i], &acc1[i]);
        }
    }
    if (b + 4 <= nb) { /* the last group: its second load masked to the 36 bytes it has */
        struct q4_0_group g = q4_0_group_at(q + 32 * b, d + b, neg4 + 8 * b);
        for (int i = 0; i < k; i++) {
            const uint8_t *blk = rows[i] + 18 * b;
            q4_0_group_row(&g, _mm512_loadu_si512((const void *) blk),
                           _mm512_maskz_loadu_epi16((__mmask32) 0x3FFFF, (const void *) (blk + 36)),
                           words, scale_words, &acc0[i], &acc1[i]);
        }
        b += 4;
    }
    for (int i = 0; i < k; i++) {
        __m256 tail = _mm256_setzero_ps();
        for (int32_t t = b; t < nb; t++) {
            tail = block_q4_0_avx512vnni(rows[i] + 18 * t, q + 32 * t, d[t], neg4 + 8 * t, tail);
        }
        out[i * stride] = _mm512_reduce_add_ps(_mm512_add_ps(acc0[i], acc1[i])) + hsum_avx512vnni(tail);
    }
}

/* Rows [r0, r1) against tokens [0, n), Q4_0_ROWS rows per pass, then the rest one by one. */
static void rows_q4_0_zmm(FLOTILLA_MATVEC_ARGS) {
    int32_t nb = cols / 32;
    (void) s16;
    int32_t r = r0;
    for (; r + Q4_0_ROWS <= r1; r += Q4_0_ROWS) {
        const uint8_t *rows[Q4_0_ROWS];
        for (int i = 0; i < Q4_0_ROWS; i++) {
            rows[i] = w + (int64_t) (r + i) * row_bytes;
        }
        for (int32_t t = 0; t < n; t++) {
            q4_0_dot_rows(rows, Q4_0_ROWS, nb, q + (int64_t) t * cols, d + (int64_t) t * (cols / 32),
                          neg4 + (int64_t) t * (cols / 4), out + (int64_t) t * out_stride + r, 1,
                          Q4_0_ROWS * row_bytes);
        }
    }
    for (; r < r1; r++) {
        const uint8_t *row = w + (int64_t) r * row_bytes;
        for (int32_t t = 0; t < n; t++) {
            q4_0_dot_rows(&row, 1, nb, q + (int64_t) t * cols, d + (int64_t) t * (cols / 32),
                          neg4 + (int64_t) t * (cols / 4), out + (int64_t) t * out_stride + r, 1, 640);
        }
    }
}

/*
 * Q8_0, several rows per pass (rows_q8_0_zmm): dot_q8_0_zmm's groups of 4 blocks, with the
 * activations and their lane starts loaded once per group for Q8_0_ROWS rows, and the next pass's
 * rows prefetched into L2 (three lines per row and group of 136 bytes).
 */
#define Q8_0_ROWS 4

static inline __attribute__((always_inline)) void q8_0_dot_rows(const uint8_t *const *rows, int k, int32_t nb,
                                                               const int8_t *q, const float *d, const int16_t *s16,
                                                               const int32_t *neg4, float *out, int64_t ahead) {
    const __m512i idx01 = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const __m512i idx23 = _mm512_setr_epi32(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m512i flip = _mm512_set1_epi8((char) 0x80);
    __m512 acc0[Q8_0_ROWS], acc1[Q8_0_ROWS];
    for (int i = 0; i < k; i++) {
        acc0[i] = _mm512_setzero_ps(), acc1[i] = _mm512_setzero_ps();
    }
    int32_t b = 0;
    for (; b + 4 <= nb; b += 4) {
        __m512i a0 = _mm512_loadu_si512((const void *) (q + 32 * b));
        __m512i a1 = _mm512_loadu_si512((const void *) (q + 32 * b + 64));
        __m512i n0 = _mm512_slli_epi32(_mm512_loadu_si512((const void *) (neg4 + 8 * b)), 7);
        __m512i n1 = _mm512_slli_epi32(_mm512_loadu_si512((const void *) (neg4 + 8 * b + 16)), 7);
        for (int i = 0; i < k; i++) {
            const uint8_t *blk = rows[i] + 34 * b;
            _mm_prefetch((const char *) blk + ahead, _MM_HINT_T1);
            _mm_prefetch((const char *) blk + ahead + 64, _MM_HINT_T1);
            _mm_prefetch((const char *) blk + ahead + 128, _MM_HINT_T1);
            __m128 s4 = scales4_avx512(blk, 34, d + b);
            __m512i w0 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *) (blk + 2))),
                                            _mm256_loadu_si256((const __m256i *) (blk + 36)), 1);
            __m512i w1 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *) (blk + 70))),
                                            _mm256_loadu_si256((const __m256i *) (blk + 104)), 1);
            acc0[i] = scaled2_avx512(_mm512_dpbusd_epi32(n0, _mm512_xor_si512(w0, flip), a0), s4, idx01, acc0[i]);
            acc1[i] = scaled2_avx512(_mm512_dpbusd_epi32(n1, _mm512_xor_si512(w1, flip), a1), s4, idx23, acc1[i]);
        }
    }
    for (int i = 0; i < k; i++) {
        float rest = b < nb ? dot_q8_0_avx512vnni(rows[i] + 34 * b, nb - b, q + 32 * b, d + b, s16, neg4 + 8 * b) : 0.0f;
        out[i] = _mm512_reduce_add_ps(_mm512_add_ps(acc0[i], acc1[i])) + rest;
    }
}

/* Rows [r0, r1) against tokens [0, n), Q8_0_ROWS rows per pass, then the rest one by one. */
static void rows_q8_0_zmm(FLOTILLA_MATVEC_ARGS) {
    int32_t nb = cols / 32;
    int32_t r = r0;
    for (; r + Q8_0_ROWS <= r1; r += Q8_0_ROWS) {
        const uint8_t *rows[Q8_0_ROWS];
        for (int i = 0; i < Q8_0_ROWS; i++) {
            rows[i] = w + (int64_t) (r + i) * row_bytes;
        }
        for (int32_t t = 0; t < n; t++) {
            q8_0_dot_rows(rows, Q8_0_ROWS, nb, q + (int64_t) t * cols, d + (int64_t) t * (cols / 32), s16,
                          neg4 + (int64_t) t * (cols / 4), out + (int64_t) t * out_stride + r, Q8_0_ROWS * row_bytes);
        }
    }
    for (; r < r1; r++) {
        const uint8_t *row = w + (int64_t) r * row_bytes;
        for (int32_t t = 0; t < n; t++) {
            q8_0_dot_rows(&row, 1, nb, q + (int64_t) t * cols, d + (int64_t) t * (cols / 32), s16,
                          neg4 + (int64_t) t * (cols / 4), out + (int64_t) t * out_stride + r, 1088);
        }
    }
}
