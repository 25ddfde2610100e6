/*
 * The body of the one-token kernels, included by matvec.c once per CPU variant with
 *   SUFFIX            the name suffix of this variant's functions (avx2, avxvnni, avx512vnni),
 *   DOT_U8S8(u, s)    the 8 int32 sums of 4 products each of 32 unsigned bytes u (< 128) and signed s,
 *   DOT_ACC(c, u, s)  c + DOT_U8S8(u, s),
 * under a #pragma GCC target for the variant. Static functions only; matvec.c dispatches.
 *
 * Per 32 weights the work is one load of the weights, one of the activations, the unpacking of
 * the weights to bytes, one integer dot (vpdpbusd where the CPU has it, else vpmaddubsw+vpmaddwd)
 * and one float fma with the block's scale; offsets (Q4_0's -8, Q6_K's -32) and mins come from the
 * activations' precomputed sums. Two float accumulators hide the fma latency.
 */
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define FN(name) CAT(name, SUFFIX)

static inline float FN(hsum)(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline float FN(half)(const uint8_t *p) {
    uint16_t h;
    __builtin_memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/*
 * Q4_0 (18-byte blocks: f16 d, 16 bytes of nibbles; w = d*(nibble - 8)) against Q8_0 activations:
 * sum((u - 8) * a) = sum(u * a) - 8 * sum(a): each lane of the integer dot starts from -8 times
 * the sum of its own 4 activations (neg4), so it holds exactly sum((u - 8) * a) of its 4 weights.
 */
static inline __m256 FN(block_q4_0)(const uint8_t *blk, const int8_t *a, float da, const int32_t *neg4, __m256 acc) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    __m128i raw = _mm_loadu_si128((const __m128i *) (blk + 2));
    __m256i u = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), low);
    __m256i p = DOT_ACC(_mm256_slli_epi32(_mm256_loadu_si256((const __m256i *) neg4), 3), u,
                        _mm256_loadu_si256((const __m256i *) a));
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(FN(half)(blk) * da), acc);
}

static __attribute__((unused)) float FN(dot_q4_0)(const uint8_t *row, int32_t nb, const int8_t *q, const float *d, const int16_t *s16,
                          const int32_t *neg4) {
    (void) s16;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int32_t b = 0;
    for (; b + 2 <= nb; b += 2) {
        const uint8_t *blk = row + 18 * b;
        _mm_prefetch((const char *) blk + 512, _MM_HINT_T0);
        acc0 = FN(block_q4_0)(blk, q + 32 * b, d[b], neg4 + 8 * b, acc0);
        acc1 = FN(block_q4_0)(blk + 18, q + 32 * b + 32, d[b + 1], neg4 + 8 * b + 8, acc1);
    }
    if (b < nb) {
        acc0 = FN(block_q4_0)(row + 18 * b, q + 32 * b, d[b], neg4 + 8 * b, acc0);
    }
    return FN(hsum)(_mm256_add_ps(acc0, acc1));
}

/* Q8_0 (34-byte blocks: f16 d, 32 signed bytes): |w| times a with w's sign, so the dot stays u8 x s8. */
static __attribute__((unused)) float FN(dot_q8_0)(const uint8_t *row, int32_t nb, const int8_t *q, const float *d, const int16_t *s16,
                          const int32_t *neg4) {
    (void) s16;
    (void) neg4;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int32_t b = 0;
    for (; b + 2 <= nb; b += 2) {
        const uint8_t *blk = row + 34 * b;
        _mm_prefetch((const char *) blk + 768, _MM_HINT_T0);
        __m256i w0 = _mm256_loadu_si256((const __m256i *) (blk + 2));
        __m256i w1 = _mm256_loadu_si256((const __m256i *) (blk + 36));
        __m256i a0 = _mm256_loadu_si256((const __m256i *) (q + 32 * b));
        __m256i a1 = _mm256_loadu_si256((const __m256i *) (q + 32 * b + 32));
        __m256i p0 = DOT_U8S8(_mm256_abs_epi8(w0), _mm256_sign_epi8(a0, w0));
        __m256i p1 = DOT_U8S8(_mm256_abs_epi8(w1), _mm256_sign_epi8(a1, w1));
        acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p0), _mm256_set1_ps(FN(half)(blk) * d[b]), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p1), _mm256_set1_ps(FN(half)(blk + 34) * d[b + 1]), acc1);
    }
    for (; b < nb; b++) {
        const uint8_t *blk = row + 34 * b;
        __m256i w0 = _mm256_loadu_si256((const __m256i *) (blk + 2));
        __m256i a0 = _mm256_loadu_si256((const __m256i *) (q + 32 * b));
        __m256i p0 = DOT_U8S8(_mm256_abs_epi8(w0), _mm256_sign_epi8(a0, w0));
        acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p0), _mm256_set1_ps(FN(half)(blk) * d[b]), acc0);
    }
    return FN(hsum)(_mm256_add_ps(acc0, acc1));
}

/* 32 bytes of 4-bit (Q4_K) or 6-bit (Q6_K) quants times 32 activations, pairs summed, times int16 scales. */
static inline __m256i FN(scaled)(__m256i u, const int8_t *a, __m256i scale) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, _mm256_loadu_si256((const __m256i *) a)), scale);
}

/*
 * Q4_K (144-byte super-blocks of 256: f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of
 * nibbles; w = d*sc*q - dmin*m) against Q8_K activations (one scale per 256, d[8*sb]).
 */
static __attribute__((unused)) float FN(dot_q4_k)(const uint8_t *row, int32_t nsb, const int8_t *q, const float *d, const int16_t *s16,
                          const int32_t *neg4) {
    (void) neg4;
    const __m256i low = _mm256_set1_epi8(0x0F);
    __m256 acc = _mm256_setzero_ps();
    float mins = 0.0f;
    for (int32_t sb = 0; sb < nsb; sb++) {
        const uint8_t *blk = row + 144 * sb;
        const uint8_t *s = blk + 4;
        const int8_t *a = q + 256 * sb;
        const int16_t *bs = s16 + 16 * sb;
        _mm_prefetch((const char *) blk + 576, _MM_HINT_T0);
        uint8_t sc[8], mn[8];
        for (int j = 0; j < 4; j++) {
            sc[j] = s[j] & 63;
            mn[j] = s[j + 4] & 63;
            sc[j + 4] = (s[j + 8] & 0xF) | (s[j] >> 6) << 4;
            mn[j + 4] = (s[j + 8] >> 4) | (s[j + 4] >> 6) << 4;
        }
        __m256i isum = _mm256_setzero_si256();
        int32_t msum = 0;
        for (int c = 0; c < 4; c++) {
            __m256i raw = _mm256_loadu_si256((const __m256i *) (blk + 16 + 32 * c));
            __m256i lo = _mm256_and_si256(raw, low);
            __m256i hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low);
            isum = _mm256_add_epi32(isum, FN(scaled)(lo, a + 64 * c, _mm256_set1_epi16(sc[2 * c])));
            isum = _mm256_add_epi32(isum, FN(scaled)(hi, a + 64 * c + 32, _mm256_set1_epi16(sc[2 * c + 1])));
            msum += mn[2 * c] * (bs[4 * c] + bs[4 * c + 1]) + mn[2 * c + 1] * (bs[4 * c + 2] + bs[4 * c + 3]);
        }
        float da = d[8 * sb];
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(FN(half)(blk) * da), acc);
        mins += FN(half)(blk + 2) * da * (float) msum;
    }
    return FN(hsum)(acc) - mins;
}

/*
 * Q6_K (210-byte super-blocks of 256: ql[128], qh[64], int8 scales[16], f16 d; sixteen sub-blocks
 * of 16; w = d*scale*(q - 32)) against Q8_K activations. The -32 is taken off once per super-block
 * as 32 * sum(scale * sum of the sub-block's activations).
 */
static __attribute__((unused)) float FN(dot_q6_k)(const uint8_t *row, int32_t nsb, const int8_t *q, const float *d, const int16_t *s16,
                          const int32_t *neg4) {
    (void) neg4;
    const __m256i low = _mm256_set1_epi8(0x0F);
    const __m256i two = _mm256_set1_epi8(0x03);
    __m256 acc = _mm256_setzero_ps();
    for (int32_t sb = 0; sb < nsb; sb++) {
        const uint8_t *blk = row + 210 * sb;
        const int8_t *sc = (const int8_t *) (blk + 192);
        const int8_t *a = q + 256 * sb;
        _mm_prefetch((const char *) blk + 840, _MM_HINT_T0);
        __m256i scales = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *) sc));
        __m256i isum = _mm256_slli_epi32(_mm256_madd_epi16(scales,
                _mm256_loadu_si256((const __m256i *) (s16 + 16 * sb))), 5); /* 32 * sum(scale * bsum) */
        isum = _mm256_sub_epi32(_mm256_setzero_si256(), isum);
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = blk + 64 * h;
            __m256i l0 = _mm256_loadu_si256((const __m256i *) ql);
            __m256i l1 = _mm256_loadu_si256((const __m256i *) (ql + 32));
            __m256i hb = _mm256_loadu_si256((const __m256i *) (blk + 128 + 32 * h));
            __m256i q0 = _mm256_or_si256(_mm256_and_si256(l0, low), _mm256_slli_epi16(_mm256_and_si256(hb, two), 4));
            __m256i q1 = _mm256_or_si256(_mm256_and_si256(l1, low),
                    _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), two), 4));
            __m256i q2 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), low),
                    _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), two), 4));
            __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), low),
                    _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), two), 4));
            const int8_t *s = sc + 8 * h;
            const int8_t *ah = a + 128 * h;
            /* lanes 0-7 of a group (its first 16 weights) take scale s[2g], lanes 8-15 s[2g+1] */
            isum = _mm256_add_epi32(isum, FN(scaled)(q0, ah, _mm256_set_m128i(_mm_set1_epi16(s[1]), _mm_set1_epi16(s[0]))));
            isum = _mm256_add_epi32(isum, FN(scaled)(q1, ah + 32, _mm256_set_m128i(_mm_set1_epi16(s[3]), _mm_set1_epi16(s[2]))));
            isum = _mm256_add_epi32(isum, FN(scaled)(q2, ah + 64, _mm256_set_m128i(_mm_set1_epi16(s[5]), _mm_set1_epi16(s[4]))));
            isum = _mm256_add_epi32(isum, FN(scaled)(q3, ah + 96, _mm256_set_m128i(_mm_set1_epi16(s[7]), _mm_set1_epi16(s[6]))));
        }
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(FN(half)(blk + 208) * d[8 * sb]), acc);
    }
    return FN(hsum)(acc);
}

typedef float (*FN(dot_fn))(const uint8_t *, int32_t, const int8_t *, const float *, const int16_t *,
                            const int32_t *);

/* Rows [r0, r1) against tokens [0, n): each row is read once from memory, then from L1 for the other tokens. */
static __attribute__((unused)) void FN(rows)(FN(dot_fn) dot, int32_t block, FLOTILLA_MATVEC_ARGS) {
    int32_t nb = cols / block;
    for (int32_t r = r0; r < r1; r++) {
        const uint8_t *row = w + (int64_t) r * row_bytes;
        for (int32_t t = 0; t < n; t++) {
            out[(int64_t) t * out_stride + r] = dot(row, nb, q + (int64_t) t * cols, d + (int64_t) t * (cols / 32),
                                                   s16 + (int64_t) t * (cols / 16), neg4 + (int64_t) t * (cols / 4));
        }
    }
}

#undef FN
#undef CAT
#undef CAT2
