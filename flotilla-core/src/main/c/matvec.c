/*
 * The one-token products (flotilla.h, flotilla_matvec_*): matvec_body.h compiled for three CPU
 * variants, and the exported functions, which pick the variant of this CPU (flotilla_cpu_level).
 */
#include <immintrin.h>
#include <stdlib.h>
#include "flotilla.h"

/* AVX2 + FMA + F16C: the integer dot is vpmaddubsw (pairs, into int16; no overflow for |a| <= 127
   and u <= 128) then vpmaddwd by ones. */
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#define SUFFIX avx2
#define DOT_U8S8(u, s) _mm256_madd_epi16(_mm256_maddubs_epi16((u), (s)), _mm256_set1_epi16(1))
#define DOT_ACC(c, u, s) _mm256_add_epi32((c), DOT_U8S8(u, s))
#include "matvec_body.h"
#undef DOT_U8S8
#undef DOT_ACC
#undef SUFFIX
#pragma GCC pop_options

/* AVX-VNNI (VEX vpdpbusd on 256 bits: Alder Lake, Sapphire Rapids and later). */
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,avxvnni")
#define SUFFIX avxvnni
#define DOT_U8S8(u, s) _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), (u), (s))
#define DOT_ACC(c, u, s) _mm256_dpbusd_avx_epi32((c), (u), (s))
#include "matvec_body.h"
#undef DOT_U8S8
#undef DOT_ACC
#undef SUFFIX
#pragma GCC pop_options

/* AVX512_VNNI with VL (EVEX vpdpbusd on 256 bits: Cascade Lake, Ice Lake, Zen 4 and later). */
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")
#define SUFFIX avx512vnni
#define DOT_U8S8(u, s) _mm256_dpbusd_epi32(_mm256_setzero_si256(), (u), (s))
#define DOT_ACC(c, u, s) _mm256_dpbusd_epi32((c), (u), (s))
#include "matvec_body.h"
#include "matvec_avx512.h"
#include "matvec_kquant_avx512.h"
#undef DOT_U8S8
#undef DOT_ACC
#undef SUFFIX
#pragma GCC pop_options

/* The exported kernel of a type: level AVX512-VNNI runs level3 (a call with ARGS), the lower levels the
   256-bit body one row at a time. */
#define ARGS w, row_bytes, r0, r1, cols, n, q, d, s16, neg4, out, out_stride
#define EXPORT_MATVEC(type, block, level3) \
    FLOTILLA_EXPORT void flotilla_matvec_##type(FLOTILLA_MATVEC_ARGS) { \
        switch (flotilla_cpu_level()) { \
        case FLOTILLA_CPU_AVX512VNNI: \
            level3; \
            break; \
        case FLOTILLA_CPU_AVXVNNI: \
            rows_avxvnni(dot_##type##_avxvnni, block, ARGS); \
            break; \
        case FLOTILLA_CPU_AVX2: \
            rows_avx2(dot_##type##_avx2, block, ARGS); \
            break; \
        default: \
            __builtin_trap(); /* Java never calls a kernel when flotilla_cpu_level() is 0 */ \
        } \
    }

/* The 512-bit kernels of matvec_avx512.h (Q4_0, Q8_0) and matvec_kquant_avx512.h (Q4_K, Q6_K), several
   rows per pass. */
EXPORT_MATVEC(q4_0, 32, rows_q4_0_zmm(ARGS))
EXPORT_MATVEC(q8_0, 32, rows_q8_0_zmm(ARGS))
EXPORT_MATVEC(q4_k, 256, rows_q4_k_zmm(ARGS))
EXPORT_MATVEC(q6_k, 256, rows_q6_k_zmm(ARGS))
