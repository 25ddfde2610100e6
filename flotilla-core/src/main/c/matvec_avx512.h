/*
 * 512-bit one-token kernels for Q4_0 and Q8_0 (CPU level AVX512-VNNI), included by matvec.c inside
 * its AVX-512 target region, after matvec_body.h (whose 256-bit block functions take the tails).
 *
 * Both read four rows per pass and four blocks per step (a group), and start every int32 lane of a
 * vpdpbusd at the weights' offset times the sum of the lane's own activations (neg4: -8 for Q4_0's
 * nibbles, -128 for Q8_0's bytes read as unsigned), so each lane holds exactly sum(w * a) and no
 * float sum of large lanes cancels. The next pass's rows are prefetched (Q8_0 into L2; Q4_0 into L1,
 * and the pass after it into L2, or for long rows a little ahead in each row into L1 and the next pass
 * into L2: Q4_0_NEAR_MAX): the rows of a pass are separate streams that the hardware prefetcher alone
 * did not keep ahead of (session 6).
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
 * Q4_0, four rows per pass (rows_q4_0_zmm). A group is 4 blocks (72 bytes) of a row, read as two
 * 64-byte loads inside it; one vpermt2w gathers the four blocks' 16 nibble bytes as the four 128-bit
 * lanes. The low nibbles (weights 0..15) and the high ones (16..31) go through two chained
 * vpdpbusd against the activations in the same order, so each int32 lane ends with 8 products of
 * one block. The four rows' vectors are then folded (unpacks and adds, exact) into one whose lane
 * 4i + r holds row r's block i, and the float work is done once for all four rows: one vcvtdq2ps,
 * the rows' f16 scales gathered into that order (two vpermt2w and a blend) and converted by one
 * vcvtph2ps, one multiply by the activation scales, one fma. About 10 vector operations per group
 * and row, against 13 with the float work per row (session 7, docs/performance.md).
 *
 * The activation side of every group (its two halves, the lane starts, the scales spread to the
 * lanes) is made once per token into a per-thread buffer and shared by all the passes. A last pass
 * of fewer than 4 rows repeats its last row, so a row's sum never depends on how the rows were
 * split between calls or threads.
 */
#define Q4_0_ROWS 4

/* The activation side of a group of 4 blocks, in the nibbles' gathered order. */
struct q4_0_group {
    __m512i lo, hi, start; /* activations 0..15 / 16..31 of block i in lane i; the int32 lanes' starts */
    __m512 d;              /* block i's activation scale in the 4 lanes 4i..4i+3 */
};

static inline __attribute__((always_inline)) struct q4_0_group q4_0_group_at(const int8_t *q, const float *d,
                                                                              const int32_t *neg4) {
    struct q4_0_group g;
    __m512i a0 = _mm512_loadu_si512((const void *) q), a1 = _mm512_loadu_si512((const void *) (q + 64));
    g.lo = _mm512_shuffle_i64x2(a0, a1, _MM_SHUFFLE(2, 0, 2, 0));
    g.hi = _mm512_shuffle_i64x2(a0, a1, _MM_SHUFFLE(3, 1, 3, 1));
    __m512i n0 = _mm512_loadu_si512((const void *) neg4), n1 = _mm512_loadu_si512((const void *) (neg4 + 16));
    g.start = _mm512_slli_epi32(_mm512_add_epi32(_mm512_shuffle_i64x2(n0, n1, _MM_SHUFFLE(2, 0, 2, 0)),
                                                 _mm512_shuffle_i64x2(n0, n1, _MM_SHUFFLE(3, 1, 3, 1))), 3);
    const __m512i lanes = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    g.d = _mm512_permutexvar_ps(lanes, _mm512_castps128_ps512(_mm_loadu_ps(d)));
    return g;
}

/* lane 4i + r of the result: the sum of the 4 lanes 4i..4i+3 of p[r] (integer adds: exact, and the same
   for every row position); the four-row fold of the Q4_0 kernel and of the K-quant ones. */
static inline __attribute__((always_inline)) __m512i fold4_rows(const __m512i *p) {
    __m512i s01 = _mm512_add_epi32(_mm512_unpacklo_epi32(p[0], p[1]), _mm512_unpackhi_epi32(p[0], p[1]));
    __m512i s23 = _mm512_add_epi32(_mm512_unpacklo_epi32(p[2], p[3]), _mm512_unpackhi_epi32(p[2], p[3]));
    return _mm512_add_epi32(_mm512_unpacklo_epi64(s01, s23), _mm512_unpackhi_epi64(s01, s23));
}

/*
 * Q4_0 prefetch: up to passes of Q4_0_NEAR_MAX bytes (4 rows of up to ~3,600 columns) the next pass goes
 * into L1 and the one after into L2. Longer passes would not stay in L1 beside the token's prepared
 * activations (2 bytes a column: 16 KiB at 8,192), so there the L1 prefetch runs Q4_0_NEAR_IN_ROW bytes
 * ahead within each row and the next pass goes into L2. C harness, 2 threads, GB/s per CPU-second, three
 * runs each: 8,192 columns (a 1B model's ffn_down) 12.0-12.3 with the whole next pass into L1, 13.8-14.7
 * this way; 2,048 columns the same either way; 4,096 within noise of each other.
 */
#define Q4_0_NEAR_MAX 8192
#define Q4_0_NEAR_IN_ROW 512

/* Two 64-byte loads inside a group: v0 at its start, v8 8 bytes on. Block i's 16 nibble bytes are at
   18i + 2: words 1..8, 10..17, 19..26 of v0 and, for block 3 (bytes 56..71), words 24..31 of v8 (32 + w). */
static const uint16_t q4_0_nibble_words[32] = {1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17,
                                               19, 20, 21, 22, 23, 24, 25, 26, 56, 57, 58, 59, 60, 61, 62, 63};
/* the scales (word 9i of each row's v0) in the order 4i + r: rows 0 and 1, then rows 2 and 3 */
static const uint16_t q4_0_scales01[32] = {0, 32, 0, 0, 9, 41, 0, 0, 18, 50, 0, 0, 27, 59, 0, 0};
static const uint16_t q4_0_scales23[32] = {0, 0, 0, 32, 0, 0, 9, 41, 0, 0, 18, 50, 0, 0, 27, 59};

/* One row's integer dots of the group at blk (lane 4i + j: 8 products of block i, offset included). */
static inline __attribute__((always_inline)) __m512i q4_0_row_sums(const struct q4_0_group *g, __m512i v0,
                                                                   const uint8_t *blk, __m512i nibble_words) {
    const __m512i low = _mm512_set1_epi8(0x0F);
    __m512i z = _mm512_permutex2var_epi16(v0, nibble_words, _mm512_loadu_si512((const void *) (blk + 8)));
    __m512i p = _mm512_dpbusd_epi32(g->start, _mm512_and_si512(z, low), g->lo);
    return _mm512_dpbusd_epi32(p, _mm512_and_si512(_mm512_srli_epi16(z, 4), low), g->hi);
}

/*
 * Rows rows[0..4) against one token: out[i * stride] = row i . token for i < k (the other rows only
 * pad the pass). prep[4g..4g+4) holds group g's activation side (q4_0_prepare); NULL: it is made
 * here for each group (the same values).
 */
static inline __attribute__((always_inline)) void q4_0_dot_4rows(const uint8_t *const *rows, int k, int32_t nb,
                                                                const __m512i *prep, const int8_t *q, const float *d,
                                                                const int32_t *neg4, float *out, int64_t stride,
                                                                int64_t ahead) {
    const __m512i nibble_words = _mm512_loadu_si512((const void *) q4_0_nibble_words);
    const __m512i scales01 = _mm512_loadu_si512((const void *) q4_0_scales01);
    const __m512i scales23 = _mm512_loadu_si512((const void *) q4_0_scales23);
    __m512 acc = _mm512_setzero_ps();
    int64_t near = ahead <= Q4_0_NEAR_MAX ? ahead : Q4_0_NEAR_IN_ROW;
    int64_t far = ahead <= Q4_0_NEAR_MAX ? 2 * ahead : ahead;
    int32_t b = 0;
    for (; b + 4 <= nb; b += 4) {
        struct q4_0_group g;
        if (prep != NULL) {
            g = (struct q4_0_group) {prep[0], prep[1], prep[2], _mm512_castsi512_ps(prep[3])};
            prep += 4;
        } else {
            g = q4_0_group_at(q + 32 * b, d + b, neg4 + 8 * b);
        }
        __m512i v0[4], p[4];
        for (int i = 0; i < 4; i++) {
            const uint8_t *blk = rows[i] + 18 * b;
            /* the next pass into L1, the one after into L2 (+4 % and +2 % at 2 threads, session 7);
               long rows: 512 bytes on into L1, the next pass into L2 (Q4_0_NEAR_MAX) */
            _mm_prefetch((const char *) blk + near, _MM_HINT_T0);
            _mm_prefetch((const char *) blk + near + 64, _MM_HINT_T0);
            _mm_prefetch((const char *) blk + far, _MM_HINT_T1);
            _mm_prefetch((const char *) blk + far + 64, _MM_HINT_T1);
            v0[i] = _mm512_loadu_si512((const void *) blk);
            p[i] = q4_0_row_sums(&g, v0[i], blk, nibble_words);
        }
        __m512i h = _mm512_mask_blend_epi16((__mmask32) 0xCCCCCCCCu, /* words 4i + 2 and 4i + 3 */
                                            _mm512_permutex2var_epi16(v0[0], scales01, v0[1]),
                                            _mm512_permutex2var_epi16(v0[2], scales23, v0[3]));
        __m512 s = _mm512_mul_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(h)), g.d);
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(fold4_rows(p)), s, acc);
    }
    __m256 a8 = _mm256_add_ps(_mm512_castps512_ps256(acc),
                              _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc), 1)));
    __m128 a4 = _mm_add_ps(_mm256_castps256_ps128(a8), _mm256_extractf128_ps(a8, 1));
    float sums[4];
    _mm_storeu_ps(sums, a4);
    for (int i = 0; i < k; i++) {
        __m256 tail = _mm256_setzero_ps();
        for (int32_t t = b; t < nb; t++) {
            tail = block_q4_0_avx512vnni(rows[i] + 18 * t, q + 32 * t, d[t], neg4 + 8 * t, tail);
        }
        out[i * stride] = sums[i] + hsum_avx512vnni(tail);
    }
}

/* The activation side of every whole group of a token, 4 vectors per group, into prep. */
static void q4_0_prepare(int32_t nb, const int8_t *q, const float *d, const int32_t *neg4, __m512i *prep) {
    for (int32_t b = 0; b + 4 <= nb; b += 4, prep += 4) {
        struct q4_0_group g = q4_0_group_at(q + 32 * b, d + b, neg4 + 8 * b);
        prep[0] = g.lo, prep[1] = g.hi, prep[2] = g.start, prep[3] = _mm512_castps_si512(g.d);
    }
}

/* This thread's buffer of at least bytes (64-byte aligned), kept for its next calls; NULL if out of memory. */
static __m512i *q4_0_scratch(size_t bytes) {
    static __thread __m512i *buffer;
    static __thread size_t capacity;
    if (bytes > capacity) {
        free(buffer);
        capacity = 0;
        buffer = aligned_alloc(64, (bytes + 63) / 64 * 64);
        if (buffer != NULL) {
            capacity = bytes;
        }
    }
    return buffer;
}

/* Rows [r0, r1) against tokens [0, n), Q4_0_ROWS rows per pass, each pass's rows read once for all tokens. */
static void rows_q4_0_zmm(FLOTILLA_MATVEC_ARGS) {
    int32_t nb = cols / 32;
    (void) s16;
    int64_t per_token = (int64_t) nb / 4 * 4; /* vectors of prepared activations per token */
    __m512i *prep = q4_0_scratch((size_t) (per_token * n) * sizeof(__m512i));
    for (int32_t t = 0; prep != NULL && t < n; t++) {
        q4_0_prepare(nb, q + (int64_t) t * cols, d + (int64_t) t * (cols / 32), neg4 + (int64_t) t * (cols / 4),
                     prep + per_token * t);
    }
    for (int32_t r = r0; r < r1; r += Q4_0_ROWS) {
        int k = r1 - r < Q4_0_ROWS ? r1 - r : Q4_0_ROWS;
        const uint8_t *rows[Q4_0_ROWS];
        for (int i = 0; i < Q4_0_ROWS; i++) { /* a last pass of k < 4 rows repeats its last row */
            rows[i] = w + (int64_t) (r + (i < k ? i : k - 1)) * row_bytes;
        }
        for (int32_t t = 0; t < n; t++) {
            const int8_t *qt = q + (int64_t) t * cols;
            const float *dt = d + (int64_t) t * (cols / 32);
            const int32_t *nt = neg4 + (int64_t) t * (cols / 4);
            float *o = out + (int64_t) t * out_stride + r;
            if (prep != NULL) {
                q4_0_dot_4rows(rows, k, nb, prep + per_token * t, qt, dt, nt, o, 1, Q4_0_ROWS * row_bytes);
            } else { /* no buffer: the same sums, the activation side made per group */
                q4_0_dot_4rows(rows, k, nb, NULL, qt, dt, nt, o, 1, Q4_0_ROWS * row_bytes);
            }
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
