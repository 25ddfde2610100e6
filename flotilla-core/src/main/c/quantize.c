/*
 * The activations of a one-token product quantized for the kernels (flotilla.h, flotilla_quantize_q8),
 * bit for bit as io.flotilla.kernel.Activations quantizes them in Java (ggml's quantize_row_q8_0 and
 * quantize_row_q8_K) followed by NativeMatVec.prepare's sums. AVX2 + FMA + F16C, so every native CPU
 * level runs it. The decode step quantizes every product's input: in Java that was 2-3 % of a 1B
 * decode step (two scalar passes over up to 8,192 values per product).
 */
#include <immintrin.h>
#include <stdint.h>
#include "flotilla.h"
#include "q8.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")

static inline float hmax8(__m256 m) {
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

/* 32 values times scale, rounded to nearest (ties to even, as Math.rint), saturated to int8, in order,
   with minus the sum of every 4 (neg4[0..8)) and the sum of every 16 (s16[0..2)). */
static inline void round32(const float *x, float scale, int8_t *q, int16_t *s16, int32_t *neg4) {
    __m256 s = _mm256_set1_ps(scale);
    __m256i r0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), s));
    __m256i r1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8), s));
    __m256i r2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 16), s));
    __m256i r3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 24), s));
    __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(r0, r1), _mm256_packs_epi32(r2, r3));
    p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256((__m256i *) q, p);
    __m256i sums4 = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), p), _mm256_set1_epi16(1));
    _mm256_storeu_si256((__m256i *) neg4, _mm256_sub_epi32(_mm256_setzero_si256(), sums4));
    s16[0] = (int16_t) -(neg4[0] + neg4[1] + neg4[2] + neg4[3]);
    s16[1] = (int16_t) -(neg4[4] + neg4[5] + neg4[6] + neg4[7]);
}

static inline __m256 abs8(__m256 v) {
    return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
}

/* A Q8_0 block (q8.h's rules: scale amax / 127 as f16, quants rint(x * 127 / amax)). */
static void block_q8_0(const float *x, int8_t *q, float *d, int16_t *s16, int32_t *neg4) {
    __m256 m = _mm256_max_ps(_mm256_max_ps(abs8(_mm256_loadu_ps(x)), abs8(_mm256_loadu_ps(x + 8))),
                             _mm256_max_ps(abs8(_mm256_loadu_ps(x + 16)), abs8(_mm256_loadu_ps(x + 24))));
    float amax = hmax8(m);
    *d = q8_0_scale(amax);
    round32(x, q8_0_multiplier(amax), q, s16, neg4);
}

/* A Q8_K super-block of 256 (q8.h's rules): quants rint(x * multiplier), at most 127 (the saturating
   pack); every one of the 8 Q8_0-sized parts gets the super-block's scale. */
static void block_q8_k(const float *x, int8_t *q, float *d, int16_t *s16, int32_t *neg4) {
    __m256 m = _mm256_setzero_ps();
    for (int i = 0; i < 256; i += 8) {
        m = _mm256_max_ps(m, abs8(_mm256_loadu_ps(x + i)));
    }
    float iscale = q8_k_multiplier(x, hmax8(m));
    float scale = q8_k_scale(iscale);
    for (int sub = 0; sub < 8; sub++) {
        round32(x + 32 * sub, iscale, q + 32 * sub, s16 + 2 * sub, neg4 + 8 * sub);
        d[sub] = scale;
    }
}

FLOTILLA_EXPORT void flotilla_quantize_q8(const float *x, int64_t count, int32_t super_blocks, int8_t *q, float *d,
                                          int16_t *s16, int32_t *neg4) {
    if (super_blocks) {
        for (int64_t i = 0; i + 256 <= count; i += 256) {
            block_q8_k(x + i, q + i, d + i / 32, s16 + i / 16, neg4 + i / 4);
        }
    } else {
        for (int64_t i = 0; i + 32 <= count; i += 32) {
            block_q8_0(x + i, q + i, d + i / 32, s16 + i / 16, neg4 + i / 4);
        }
    }
}

#pragma GCC pop_options
