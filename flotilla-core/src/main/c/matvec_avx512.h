/*
 * 512-bit one-token kernels for Q4_0 and Q8_0 (CPU level AVX512-VNNI), included by matvec.c inside
 * its AVX-512 target region, after matvec_body.h (whose 256-bit block functions take the tails).
 *
 * Four blocks per step, two per 512-bit register: lanes 0-7 hold block b's eight partial integer
 * sums, lanes 8-15 block b+1's. The four blocks' scales (weight f16 times activation scale) are made
 * once as one 128-bit vector and spread to the lanes by a permute; the weights' offset (-8 for
 * Q4_0, -128 for Q8_0 read as unsigned) is each lane's starting value: the offset times the sum
 * of the lane's own 4 activations (neg4), so every lane holds exactly sum(w * a) of its 4 weights
 * and no float sum of large lanes cancels. That takes about a third of the instructions per block off the 256-bit kernels, which
 * spend most of them on per-block scale handling.
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

/* Two Q4_0 blocks' nibbles as 64 bytes in the activations' order: lo(b), hi(b), lo(b+1), hi(b+1). */
static inline __m512i nibbles2_avx512(const uint8_t *blk) {
    __m256i r = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *) (blk + 2))),
                                        _mm_loadu_si128((const __m128i *) (blk + 20)), 1);
    __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(r), _mm256_srli_epi16(r, 4), 1);
    z = _mm512_shuffle_i64x2(z, z, _MM_SHUFFLE(3, 1, 2, 0));
    return _mm512_and_si512(z, _mm512_set1_epi8(0x0F));
}

static float dot_q4_0_zmm(const uint8_t *row, int32_t nb, const int8_t *q, const float *d, const int16_t *s16,
                          const int32_t *neg4) {
    const __m512i idx01 = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const __m512i idx23 = _mm512_setr_epi32(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int32_t b = 0;
    for (; b + 4 <= nb; b += 4) {
        const uint8_t *blk = row + 18 * b;
        _mm_prefetch((const char *) blk + 576, _MM_HINT_T0);
        __m128 s4 = scales4_avx512(blk, 18, d + b);
        __m512i n0 = _mm512_slli_epi32(_mm512_loadu_si512((const void *) (neg4 + 8 * b)), 3);
        __m512i n1 = _mm512_slli_epi32(_mm512_loadu_si512((const void *) (neg4 + 8 * b + 16)), 3);
        __m512i p0 = _mm512_dpbusd_epi32(n0, nibbles2_avx512(blk), _mm512_loadu_si512((const void *) (q + 32 * b)));
        __m512i p1 = _mm512_dpbusd_epi32(n1, nibbles2_avx512(blk + 36),
                                         _mm512_loadu_si512((const void *) (q + 32 * b + 64)));
        acc0 = scaled2_avx512(p0, s4, idx01, acc0);
        acc1 = scaled2_avx512(p1, s4, idx23, acc1);
    }
    __m256 tail = _mm256_setzero_ps();
    for (; b < nb; b++) {
        tail = block_q4_0_avx512vnni(row + 18 * b, q + 32 * b, d[b], neg4 + 8 * b, tail);
    }
    (void) s16;
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1)) + hsum_avx512vnni(tail);
}

/* Q8_0: the signed weights read as unsigned (w ^ 0x80 = w + 128), so the offset is -128. */
static float dot_q8_0_zmm(const uint8_t *row, int32_t nb, const int8_t *q, const float *d, const int16_t *s16,
                          const int32_t *neg4) {
    const __m512i idx01 = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const __m512i idx23 = _mm512_setr_epi32(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m512i flip = _mm512_set1_epi8((char) 0x80);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int32_t b = 0;
    for (; b + 4 <= nb; b += 4) {
        const uint8_t *blk = row + 34 * b;
        _mm_prefetch((const char *) blk + 1088, _MM_HINT_T0);
        _mm_prefetch((const char *) blk + 1152, _MM_HINT_T0);
        __m128 s4 = scales4_avx512(blk, 34, d + b);
        __m512i n0 = _mm512_slli_epi32(_mm512_loadu_si512((const void *) (neg4 + 8 * b)), 7);
        __m512i n1 = _mm512_slli_epi32(_mm512_loadu_si512((const void *) (neg4 + 8 * b + 16)), 7);
        __m512i w0 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *) (blk + 2))),
                                        _mm256_loadu_si256((const __m256i *) (blk + 36)), 1);
        __m512i w1 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *) (blk + 70))),
                                        _mm256_loadu_si256((const __m256i *) (blk + 104)), 1);
        __m512i p0 = _mm512_dpbusd_epi32(n0, _mm512_xor_si512(w0, flip),
                                         _mm512_loadu_si512((const void *) (q + 32 * b)));
        __m512i p1 = _mm512_dpbusd_epi32(n1, _mm512_xor_si512(w1, flip),
                                         _mm512_loadu_si512((const void *) (q + 32 * b + 64)));
        acc0 = scaled2_avx512(p0, s4, idx01, acc0);
        acc1 = scaled2_avx512(p1, s4, idx23, acc1);
    }
    float rest = b < nb ? dot_q8_0_avx512vnni(row + 34 * b, nb - b, q + 32 * b, d + b, s16, neg4 + 8 * b) : 0.0f;
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1)) + rest;
}
