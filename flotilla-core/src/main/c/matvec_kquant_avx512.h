/*
 * 512-bit one-token kernels for Q4_K and Q6_K (CPU level AVX512-VNNI), included by matvec.c inside its
 * AVX-512 target region, after matvec_body.h. Only AVX512 F/BW/VL/VNNI instructions (no VBMI, no GFNI:
 * Cascade Lake has level 3 without them).
 *
 * Per super-block of 256 weights and row: the weights as four 512-bit registers of unsigned bytes,
 * one vpdpbusd each against the activations (16 int32 lanes, each the exact sum of 4 products of one
 * sub-block), one vpdpwssd each that multiplies every lane by its sub-block's scale (the lane fits in
 * 16 bits, the scale is a zero-extended 16-bit word, so lo*scale + hi*0 is the exact product) and adds
 * it to the row's int32 sum. The scale vectors come from one vpshufb per register out of the four
 * rows' scales unpacked together (Q4_K) or from one byte-to-word widening per super-block and row and
 * one permute per register (Q6_K). Four rows per pass share the
 * activations' loads and their per-block work (Q4_K's activation shuffle and sub-block sums, Q6_K's
 * -32 lane starts), prefetch the next pass's rows into L2 (as the Q4_0 kernel of matvec_avx512.h), and
 * fold their int32 lanes into one vector of per-row sums (integer adds, exact), so that the float
 * work (f16 scales, conversion, fma) is done once per super-block for the four rows. A short pass
 * repeats its last row: a row's result is the same bits whichever range or position computes it.
 */

/*
 * Q4_K (144 bytes: f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, 128 bytes of nibbles; weight
 * = d*sc*q - dmin*m per sub-block of 32). A 64-byte load h of the nibbles holds sub-blocks 4h (low
 * nibbles of bytes 0-31), 4h+1 (high), 4h+2 (low, bytes 32-63), 4h+3 (high): the activations are put
 * in that order once per super-block for all rows. The mins' part -dmin * sum(m * sub-block sum of
 * the activations) is one vpmaddwd per super-block and row, folded beside the dot (lanes 4-7 of the
 * four rows' vector, scaled by dmin * da).
 */
#define Q4_K_ROWS 4

struct q4_k_acts {
    __m512i lo[2], hi[2]; /* activations of the low / high nibbles of load h */
    __m512i bsum;         /* lanes 8-15: minus the sum of sub-block j's activations (lanes 0-7 zero) */
    __m256 da;            /* the Q8_K scale, eight times */
};

static inline __attribute__((always_inline)) struct q4_k_acts q4_k_acts_at(const int8_t *a, const int16_t *s16,
                                                                            float da) {
    struct q4_k_acts g;
    for (int h = 0; h < 2; h++) {
        __m512i z0 = _mm512_loadu_si512((const void *) (a + 128 * h));
        __m512i z1 = _mm512_loadu_si512((const void *) (a + 128 * h + 64));
        g.lo[h] = _mm512_shuffle_i64x2(z0, z1, _MM_SHUFFLE(1, 0, 1, 0));
        g.hi[h] = _mm512_shuffle_i64x2(z0, z1, _MM_SHUFFLE(3, 2, 3, 2));
    }
    __m256i sums = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *) s16), _mm256_set1_epi16(1));
    g.bsum = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_sub_epi32(_mm256_setzero_si256(), sums), 1);
    g.da = _mm256_set1_ps(da);
    return g;
}

/* vpshufb controls on a row's 16 bytes (sc[0..7], m[0..7]) in every 128-bit lane: the zero-extended
   scale of each dword lane of register k = 0..3 (sub-blocks (0, 2), (1, 3), (4, 6), (5, 7)), then m[j] in lanes 8 + j */
static const uint8_t q4_k_spread[5][64] = {
    {0x00, 0x80, 0x80, 0x80, 0x00, 0x80, 0x80, 0x80, 0x00, 0x80, 0x80, 0x80, 0x00, 0x80, 0x80, 0x80, 0x00, 0x80, 0x80, 0x80, 0x00, 0x80, 0x80, 0x80, 0x00, 0x80, 0x80, 0x80, 0x00, 0x80, 0x80, 0x80, 0x02, 0x80, 0x80, 0x80, 0x02, 0x80, 0x80, 0x80, 0x02, 0x80, 0x80, 0x80, 0x02, 0x80, 0x80, 0x80, 0x02, 0x80, 0x80, 0x80, 0x02, 0x80, 0x80, 0x80, 0x02, 0x80, 0x80, 0x80, 0x02, 0x80, 0x80, 0x80},
    {0x01, 0x80, 0x80, 0x80, 0x01, 0x80, 0x80, 0x80, 0x01, 0x80, 0x80, 0x80, 0x01, 0x80, 0x80, 0x80, 0x01, 0x80, 0x80, 0x80, 0x01, 0x80, 0x80, 0x80, 0x01, 0x80, 0x80, 0x80, 0x01, 0x80, 0x80, 0x80, 0x03, 0x80, 0x80, 0x80, 0x03, 0x80, 0x80, 0x80, 0x03, 0x80, 0x80, 0x80, 0x03, 0x80, 0x80, 0x80, 0x03, 0x80, 0x80, 0x80, 0x03, 0x80, 0x80, 0x80, 0x03, 0x80, 0x80, 0x80, 0x03, 0x80, 0x80, 0x80},
    {0x04, 0x80, 0x80, 0x80, 0x04, 0x80, 0x80, 0x80, 0x04, 0x80, 0x80, 0x80, 0x04, 0x80, 0x80, 0x80, 0x04, 0x80, 0x80, 0x80, 0x04, 0x80, 0x80, 0x80, 0x04, 0x80, 0x80, 0x80, 0x04, 0x80, 0x80, 0x80, 0x06, 0x80, 0x80, 0x80, 0x06, 0x80, 0x80, 0x80, 0x06, 0x80, 0x80, 0x80, 0x06, 0x80, 0x80, 0x80, 0x06, 0x80, 0x80, 0x80, 0x06, 0x80, 0x80, 0x80, 0x06, 0x80, 0x80, 0x80, 0x06, 0x80, 0x80, 0x80},
    {0x05, 0x80, 0x80, 0x80, 0x05, 0x80, 0x80, 0x80, 0x05, 0x80, 0x80, 0x80, 0x05, 0x80, 0x80, 0x80, 0x05, 0x80, 0x80, 0x80, 0x05, 0x80, 0x80, 0x80, 0x05, 0x80, 0x80, 0x80, 0x05, 0x80, 0x80, 0x80, 0x07, 0x80, 0x80, 0x80, 0x07, 0x80, 0x80, 0x80, 0x07, 0x80, 0x80, 0x80, 0x07, 0x80, 0x80, 0x80, 0x07, 0x80, 0x80, 0x80, 0x07, 0x80, 0x80, 0x80, 0x07, 0x80, 0x80, 0x80, 0x07, 0x80, 0x80, 0x80},
    {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x08, 0x80, 0x80, 0x80, 0x09, 0x80, 0x80, 0x80, 0x0A, 0x80, 0x80, 0x80, 0x0B, 0x80, 0x80, 0x80, 0x0C, 0x80, 0x80, 0x80, 0x0D, 0x80, 0x80, 0x80, 0x0E, 0x80, 0x80, 0x80, 0x0F, 0x80, 0x80, 0x80},
};

/*
 * The 12 packed bytes of scales and mins of four rows' super-blocks blk[0..3] (at +4), unpacked
 * together: 128-bit lane i holds row i's sc[0..7], m[0..7] as bytes. Per lane, of the dwords u0..u2:
 * sc[0..3] = u0 & 0x3F.., sc[4..7] = (u2 & 0x0F..) | (u0 >> 2 & 0x30..), m[0..3] = u1 & 0x3F..,
 * m[4..7] = (u2 >> 4 & 0x0F..) | (u1 >> 2 & 0x30..).
 */
static inline __attribute__((always_inline)) __m512i q4_k_scales_mins4(const uint8_t *const *blk) {
    __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *) (blk[0] + 4)));
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *) (blk[1] + 4)), 1);
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *) (blk[2] + 4)), 2);
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *) (blk[3] + 4)), 3);
    __m512i low = _mm512_srlv_epi32(_mm512_shuffle_epi32(v, _MM_SHUFFLE(2, 1, 2, 0)), /* u0, u2, u1, u2 >> 4 */
                                    _mm512_set4_epi32(4, 0, 0, 0));
    __m512i high = _mm512_and_si512(_mm512_srli_epi32(_mm512_shuffle_epi32(v, _MM_SHUFFLE(1, 1, 0, 0)), 2),
                                    _mm512_set4_epi32(0x30303030, 0, 0x30303030, 0)); /* 0, u0 >> 2, 0, u1 >> 2 */
    /* 0xEC: (a & c) | b */
    return _mm512_ternarylogic_epi32(low, high, _mm512_set4_epi32(0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F), 0xEC);
}

/*
 * One row's super-block as 16 exact int32 lanes: lanes 0-7 sum(sc*q*a) (the two halves of the dot
 * lanes added), lanes 8-15 -sum(m*bsum) (a vpmaddwd whose lanes 0-7 are zero, merged under a mask).
 */
static inline __attribute__((always_inline)) __m512i q4_k_block_row(const struct q4_k_acts *g, const uint8_t *blk,
                                                                    __m512i scm, const __m512i *spread) {
    const __m512i low = _mm512_set1_epi8(0x0F);
    __m512i isum = _mm512_setzero_si512();
    for (int h = 0; h < 2; h++) {
        __m512i v = _mm512_loadu_si512((const void *) (blk + 16 + 64 * h));
        __m512i plo = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_and_si512(v, low), g->lo[h]);
        __m512i phi = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_and_si512(_mm512_srli_epi16(v, 4), low),
                                          g->hi[h]);
        isum = _mm512_dpwssd_epi32(isum, plo, _mm512_shuffle_epi8(scm, spread[2 * h]));
        isum = _mm512_dpwssd_epi32(isum, phi, _mm512_shuffle_epi8(scm, spread[2 * h + 1]));
    }
    return _mm512_mask_add_epi32(_mm512_madd_epi16(_mm512_shuffle_epi8(scm, spread[4]), g->bsum), 0x00FF, isum,
                                 _mm512_shuffle_i64x2(isum, isum, _MM_SHUFFLE(1, 0, 3, 2)));
}

/*
 * Four rows' lanes z[0..3] summed per row and part: lanes 0-3 the rows' sum(sc*q*a), lanes 4-7 their
 * -sum(m*bsum) (integer adds, so exact and the same for every row position).
 */
static inline __attribute__((always_inline)) __m256i q4_k_fold4(const __m512i *z) {
    __m512i u = fold4_rows(z); /* matvec_avx512.h */
    /* 128-bit lane L of u: rows 0-3 of lanes 4L..4L+3 of z; L = 0, 1 the dot, L = 2, 3 the mins */
    u = _mm512_add_epi32(_mm512_shuffle_i64x2(u, u, _MM_SHUFFLE(3, 1, 2, 0)), _mm512_shuffle_i64x2(u, u, _MM_SHUFFLE(2, 0, 3, 1)));
    return _mm512_castsi512_si256(u);
}

/* The four rows' super-block scales times da: d[0..3] * da, dmin[0..3] * da. */
static inline __attribute__((always_inline)) __m256 q4_k_scales4(const uint8_t *const *blk, __m256 da) {
    uint32_t h[4];
    for (int i = 0; i < 4; i++) {
        __builtin_memcpy(&h[i], blk[i], 4);
    }
    __m128i halves = _mm_set_epi64x((int64_t) ((uint64_t) h[3] << 32 | h[2]), (int64_t) ((uint64_t) h[1] << 32 | h[0]));
    __m256 f = _mm256_cvtph_ps(halves); /* d0, dmin0, d1, dmin1, ... */
    return _mm256_mul_ps(_mm256_permutevar8x32_ps(f, _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7)), da);
}

/*
 * Rows rows[0..4) against one token (a short pass repeats its last row: each row's result is the same
 * bits in every position); writes the first k; prefetches ahead bytes on in each row into L2.
 */
static inline __attribute__((always_inline)) void q4_k_dot_rows(const uint8_t *const *rows, int k, int32_t nsb,
                                                               const int8_t *q, const float *d, const int16_t *s16,
                                                               float *out, int64_t ahead) {
    __m512i spread[5];
    for (int j = 0; j < 5; j++) {
        spread[j] = _mm512_loadu_si512((const void *) q4_k_spread[j]);
    }
    __m256 acc = _mm256_setzero_ps();
    for (int32_t sb = 0; sb < nsb; sb++) {
        struct q4_k_acts g = q4_k_acts_at(q + 256 * sb, s16 + 16 * sb, d[8 * sb]);
        const uint8_t *blk[Q4_K_ROWS];
        __m512i z[Q4_K_ROWS];
        for (int i = 0; i < Q4_K_ROWS; i++) {
            blk[i] = rows[i] + 144 * sb;
        }
        __m512i scm4 = q4_k_scales_mins4(blk);
        for (int i = 0; i < Q4_K_ROWS; i++) {
            _mm_prefetch((const char *) blk[i] + ahead, _MM_HINT_T1);
            _mm_prefetch((const char *) blk[i] + ahead + 64, _MM_HINT_T1);
            _mm_prefetch((const char *) blk[i] + ahead + 128, _MM_HINT_T1);
            z[i] = q4_k_block_row(&g, blk[i], _mm512_shuffle_i32x4(scm4, scm4, 0x55 * i), spread);
        }
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(q4_k_fold4(z)), q4_k_scales4(blk, g.da), acc);
    }
    float sums[8];
    _mm256_storeu_ps(sums, acc);
    for (int i = 0; i < k; i++) {
        out[i] = sums[i] + sums[4 + i];
    }
}

/*
 * Q6_K (210 bytes: ql[128], qh[64], int8 scales[16], f16 d; weight = d*scale*(q - 32) per sub-block
 * of 16). Half h of a super-block (128 weights) is one 64-byte load of ql (low nibbles: weights 0-63,
 * high nibbles: 64-127, in the activations' order) and 32 bytes of qh broadcast to both 256-bit halves,
 * whose 2-bit fields a per-half word shift puts at bits 4-5. The -32 is each lane's start: 32 times
 * minus the sum of the lane's own 4 activations (neg4), shared by the rows, so the lanes hold exactly
 * sum((q - 32) * a) (|lane| <= 4 * 32 * 127, fits 16 bits).
 */
#define Q6_K_ROWS 4

/* Four rows' lanes z[0..3] summed per row (integer adds: exact, the same for every row position). */
static inline __attribute__((always_inline)) __m128i q6_k_fold4(const __m512i *z) {
    __m512i u = fold4_rows(z); /* matvec_avx512.h */
    u = _mm512_add_epi32(u, _mm512_shuffle_i64x2(u, u, _MM_SHUFFLE(1, 0, 3, 2)));
    u = _mm512_add_epi32(u, _mm512_shuffle_i64x2(u, u, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm512_castsi512_si128(u);
}

/* Rows rows[0..4) against one token (a short pass repeats its last row); writes the first k; prefetches
   ahead bytes on in each row into L2. */
static inline __attribute__((always_inline)) void q6_k_dot_rows(const uint8_t *const *rows, int k, int32_t nsb,
                                                               const int8_t *q, const float *d, const int32_t *neg4,
                                                               float *out, int64_t ahead) {
    const __m512i low = _mm512_set1_epi8(0x0F);
    const __m512i bits45 = _mm512_set1_epi8(0x30);
    const __m512i shl = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(2), 1);
    const __m512i shr = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
    __m512i idx[4]; /* register j of the super-block: lanes 4i..4i+3 take scale 4j+i (even words; odd ones masked) */
    for (int j = 0; j < 4; j++) {
        idx[j] = _mm512_add_epi32(_mm512_set1_epi32(4 * j),
                                  _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3));
    }
    __m128 acc = _mm_setzero_ps();
    for (int32_t sb = 0; sb < nsb; sb++) {
        const int8_t *a = q + 256 * sb;
        __m512i start[4];
        for (int j = 0; j < 4; j++) {
            start[j] = _mm512_slli_epi32(_mm512_loadu_si512((const void *) (neg4 + 64 * sb + 16 * j)), 5);
        }
        __m512i z[Q6_K_ROWS];
        uint16_t dh[Q6_K_ROWS]; /* the rows' f16 scales */
        for (int i = 0; i < Q6_K_ROWS; i++) {
            const uint8_t *blk = rows[i] + 210 * sb;
            __builtin_memcpy(&dh[i], blk + 208, 2);
            for (int l = 0; l < 4; l++) {
                _mm_prefetch((const char *) blk + ahead + 64 * l, _MM_HINT_T1);
            }
            __m512i sc = _mm512_castsi256_si512(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *) (blk + 192))));
            __m512i isum = _mm512_setzero_si512();
            for (int h = 0; h < 2; h++) {
                __m512i l = _mm512_loadu_si512((const void *) (blk + 64 * h));
                __m512i hb = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *) (blk + 128 + 32 * h)));
                /* 0xF8: a | (b & c) */
                __m512i q0 = _mm512_ternarylogic_epi32(_mm512_and_si512(l, low), _mm512_sllv_epi16(hb, shl), bits45, 0xF8);
                __m512i q1 = _mm512_ternarylogic_epi32(_mm512_and_si512(_mm512_srli_epi16(l, 4), low),
                                                       _mm512_srlv_epi16(hb, shr), bits45, 0xF8);
                __m512i p0 = _mm512_dpbusd_epi32(start[2 * h], q0, _mm512_loadu_si512((const void *) (a + 128 * h)));
                __m512i p1 = _mm512_dpbusd_epi32(start[2 * h + 1], q1,
                                                 _mm512_loadu_si512((const void *) (a + 128 * h + 64)));
                isum = _mm512_dpwssd_epi32(isum, p0, _mm512_maskz_permutexvar_epi16(0x55555555u, idx[2 * h], sc));
                isum = _mm512_dpwssd_epi32(isum, p1, _mm512_maskz_permutexvar_epi16(0x55555555u, idx[2 * h + 1], sc));
            }
            z[i] = isum;
        }
        __m128i halves = _mm_cvtsi64_si128(
                (int64_t) ((uint64_t) dh[3] << 48 | (uint64_t) dh[2] << 32 | (uint64_t) dh[1] << 16 | dh[0]));
        acc = _mm_fmadd_ps(_mm_cvtepi32_ps(q6_k_fold4(z)), _mm_mul_ps(_mm_cvtph_ps(halves), _mm_set1_ps(d[8 * sb])), acc);
    }
    float sums[4];
    _mm_storeu_ps(sums, acc);
    for (int i = 0; i < k; i++) {
        out[i] = sums[i];
    }
}

/*
 * Rows [r0, r1) against tokens [0, n) for a kernel dot_rows(rows, k, nsb, q, d, extra, out, ahead) that
 * computes ROWS rows and writes the first k: ROWS rows per pass (prefetching the next pass's rows), then
 * the rest as one short pass whose last row is repeated (prefetching SINGLE bytes ahead). EXTRA is the
 * per-token activation array the kernel takes besides q and d.
 */
#define KQUANT_ROWS_ZMM(name, dot_rows, ROWS, EXTRA, per_token, SINGLE) \
    static void name(FLOTILLA_MATVEC_ARGS) { \
        int32_t nsb = cols / 256; \
        (void) s16, (void) neg4; \
        int32_t r = r0; \
        for (; r + ROWS <= r1; r += ROWS) { \
            const uint8_t *rows[ROWS]; \
            for (int i = 0; i < ROWS; i++) { \
                rows[i] = w + (int64_t) (r + i) * row_bytes; \
            } \
            for (int32_t t = 0; t < n; t++) { \
                dot_rows(rows, ROWS, nsb, q + (int64_t) t * cols, d + (int64_t) t * (cols / 32), \
                         EXTRA + (int64_t) t * (cols / per_token), out + (int64_t) t * out_stride + r, ROWS * row_bytes); \
            } \
        } \
        if (r < r1) { /* a short pass: the last row repeated */ \
            const uint8_t *rows[ROWS]; \
            for (int i = 0; i < ROWS; i++) { \
                rows[i] = w + (int64_t) (r + i < r1 ? r + i : r1 - 1) * row_bytes; \
            } \
            for (int32_t t = 0; t < n; t++) { \
                dot_rows(rows, r1 - r, nsb, q + (int64_t) t * cols, d + (int64_t) t * (cols / 32), \
                         EXTRA + (int64_t) t * (cols / per_token), out + (int64_t) t * out_stride + r, SINGLE); \
            } \
        } \
    }

KQUANT_ROWS_ZMM(rows_q4_k_zmm, q4_k_dot_rows, Q4_K_ROWS, s16, 16, 576)
KQUANT_ROWS_ZMM(rows_q6_k_zmm, q6_k_dot_rows, Q6_K_ROWS, neg4, 4, 840)
