/*
 * The many-token product on Intel AMX (see gemm.h). Per tile of 16 rows: the rows are decoded once
 * into a panel of int8 weights (one 16x32 AMX A tile per block of 32) with their float block
 * scales; then per group of 16 tokens and per block, one TDPBSSD gives the 16x16 exact integer
 * block products, which the AVX-512 epilogue scales (weight scale x activation scale) and adds
 * into 16 float accumulators (one per row, a lane per token). Q6_K has a scale per 16 weights:
 * two K=16 products per block. Up to 16 tokens, gemm_small.c serves instead (the roles swapped).
 */
#include "gemm_internal.h"
#include "q8.h"

#include <immintrin.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,f16c,fma")))
#define ROWS GEMM_ROWS
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

static int32_t available = -1;

FLOTILLA_EXPORT int32_t flotilla_gemm_available(void) {
    if (available < 0) {
        __builtin_cpu_init();
        int ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
                 && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vbmi");
        unsigned a, b, c, d;
        __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
        ok = ok && (d & (1u << 24)) && (d & (1u << 25)); /* AMX-TILE, AMX-INT8 */
        ok = ok && syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
        available = ok; /* idempotent: a race writes the same value */
    }
    return available;
}

#define CHUNK GEMM_CHUNK

/* Panel, weight scales (2 per block), mins, 2 KB of C buffers, 1 KB of accumulators per group of tokens. */
FLOTILLA_EXPORT int64_t flotilla_gemm_scratch_bytes(int32_t cols, int32_t n) {
    (void) cols;
    return (int64_t) ROWS * CHUNK * 32 + 4LL * 3 * CHUNK * 16 + 2 * 1024 + 1024LL * ((n + 15) / 16) + 64;
}

AVX512_TARGET static float half(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/* ---------- activations ---------- */

/* Writes the 32 quants of token j's block at qb: token-major (small batches: bytes 32j..32j+31), else
 * into the B layout (row k: bytes 4k..4k+3 of the token at 64k + 4j). */
static void put_block(int8_t *qb, int j, const int8_t *q32, int small) {
    if (small) {
        memcpy(qb + 32 * j, q32, 32);
        return;
    }
    for (int k = 0; k < 8; k++) {
        memcpy(qb + k * 64 + 4 * j, q32 + 4 * k, 4);
    }
}

AVX512_TARGET static void prepare_q8_0(const float *x, int cols, int8_t *qb, float *d, float *s, int j, int small) {
    int nb = cols / 32;
    for (int b = 0; b < nb; b++) {
        __m512 v0 = _mm512_loadu_ps(x + 32 * b), v1 = _mm512_loadu_ps(x + 32 * b + 16);
        float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
        __m512 m = _mm512_set1_ps(q8_0_multiplier(amax));
        __m512i i0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, m)); /* to nearest, ties to even */
        __m512i i1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, m));
        int8_t q32[32];
        _mm_storeu_si128((__m128i *) q32, _mm512_cvtepi32_epi8(i0));
        _mm_storeu_si128((__m128i *) (q32 + 16), _mm512_cvtepi32_epi8(i1));
        put_block(qb + (size_t) b * 512, j, q32, small);
        float dd = q8_0_scale(amax);
        d[b * 16 + j] = dd;
        s[b * 16 + j] = dd * (float) _mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1));
    }
}

AVX512_TARGET static void prepare_q8_k(const float *x, int cols, int8_t *qb, float *d, float *s, int j, int small) {
    for (int sb = 0; sb < cols / 256; sb++) {
        const float *xs = x + 256 * sb;
        __m512 am = _mm512_setzero_ps();
        for (int i = 0; i < 256; i += 16) {
            am = _mm512_max_ps(am, _mm512_abs_ps(_mm512_loadu_ps(xs + i)));
        }
        float iscale = q8_k_multiplier(xs, _mm512_reduce_max_ps(am));
        float scale = q8_k_scale(iscale);
        __m512 m = _mm512_set1_ps(iscale);
        __m512i top = _mm512_set1_epi32(127);
        for (int sub = 0; sub < 8; sub++) {
            int b = sb * 8 + sub;
            __m512i i0 = _mm512_min_epi32(top, _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xs + 32 * sub), m)));
            __m512i i1 = _mm512_min_epi32(top, _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xs + 32 * sub + 16), m)));
            int8_t q32[32];
            _mm_storeu_si128((__m128i *) q32, _mm512_cvtepi32_epi8(i0));
            _mm_storeu_si128((__m128i *) (q32 + 16), _mm512_cvtepi32_epi8(i1));
            put_block(qb + (size_t) b * 512, j, q32, small);
            d[b * 16 + j] = scale;
            s[b * 16 + j] = scale * (float) _mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1));
        }
    }
}

FLOTILLA_EXPORT void flotilla_gemm_prepare(const float *x, int32_t n, int32_t cols, int32_t super,
                                           int8_t *q, float *d, float *s) {
    int nb = cols / 32, groups = (n + 15) / 16;
    memset(q, 0, (size_t) groups * 16 * cols);
    memset(d, 0, (size_t) groups * 16 * nb * sizeof(float));
    memset(s, 0, (size_t) groups * 16 * nb * sizeof(float));
    for (int t = 0; t < n; t++) {
        size_t slot = (size_t) (t / 16) * nb;
        if (super) {
            prepare_q8_k(x + (size_t) t * cols, cols, q + slot * 512, d + slot * 16, s + slot * 16, t % 16, n <= GEMM_SMALL);
        } else {
            prepare_q8_0(x + (size_t) t * cols, cols, q + slot * 512, d + slot * 16, s + slot * 16, t % 16, n <= GEMM_SMALL);
        }
    }
}

/* ---------- weights: one row into the panel (int8 at p + b*512, row stride 32) ---------- */

AVX512_TARGET static void unpack_q4_0(const uint8_t *row, int nb, int8_t *p, float *ws) {
    const __m128i low = _mm_set1_epi8(0xF), eight = _mm_set1_epi8(8);
    for (int b = 0; b < nb; b++) {
        const uint8_t *blk = row + 18 * b;
        __m128i x = _mm_loadu_si128((const __m128i *) (blk + 2));
        _mm_storeu_si128((__m128i *) (p + b * 512), _mm_sub_epi8(_mm_and_si128(x, low), eight));
        _mm_storeu_si128((__m128i *) (p + b * 512 + 16), _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(x, 4), low), eight));
        ws[b * 16] = half(blk);
    }
}

AVX512_TARGET static void unpack_q8_0(const uint8_t *row, int nb, int8_t *p, float *ws) {
    for (int b = 0; b < nb; b++) {
        const uint8_t *blk = row + 34 * b;
        _mm256_storeu_si256((__m256i *) (p + b * 512), _mm256_loadu_si256((const __m256i *) (blk + 2)));
        ws[b * 16] = half(blk);
    }
}

static int kscale(const uint8_t *s, int j) {
    return j < 4 ? s[j] & 63 : (s[j + 4] & 0xF) | (s[j - 4] >> 6) << 4;
}

static int kmin(const uint8_t *s, int j) {
    return j < 4 ? s[j + 4] & 63 : (s[j + 4] >> 4) | (s[j] >> 6) << 4;
}

AVX512_TARGET static void unpack_q4_k(const uint8_t *row, int nb, int8_t *p, float *ws, float *wm) {
    const __m256i low = _mm256_set1_epi8(0xF);
    for (int sb = 0; sb < nb / 8; sb++) {
        const uint8_t *blk = row + 144 * sb;
        float d = half(blk), dmin = half(blk + 2);
        for (int c = 0; c < 4; c++) {
            __m256i x = _mm256_loadu_si256((const __m256i *) (blk + 16 + 32 * c));
            int b = sb * 8 + 2 * c;
            _mm256_storeu_si256((__m256i *) (p + b * 512), _mm256_and_si256(x, low));
            _mm256_storeu_si256((__m256i *) (p + (b + 1) * 512), _mm256_and_si256(_mm256_srli_epi16(x, 4), low));
        }
        for (int j = 0; j < 8; j++) {
            ws[(sb * 8 + j) * 16] = d * kscale(blk + 4, j);
            wm[(sb * 8 + j) * 16] = -dmin * kmin(blk + 4, j);
        }
    }
}

/* Q6_K: two scales per block (halves), at ws[(2b + h)*16]. 6-bit values (4 low bits from ql, 2 high
 * from qh) - 32, 32 at a time; the 16-bit shifts are masked back to bytes. */
AVX512_TARGET static void unpack_q6_k(const uint8_t *row, int nb, int8_t *p, float *ws) {
    const __m256i low = _mm256_set1_epi8(0xF), high = _mm256_set1_epi8(0x30), off = _mm256_set1_epi8(32);
    for (int sb = 0; sb < nb / 8; sb++) {
        const uint8_t *blk = row + 210 * sb;
        float d = half(blk + 208);
        for (int h = 0; h < 2; h++) {
            __m256i l0 = _mm256_loadu_si256((const __m256i *) (blk + 64 * h));
            __m256i l1 = _mm256_loadu_si256((const __m256i *) (blk + 64 * h + 32));
            __m256i qh = _mm256_loadu_si256((const __m256i *) (blk + 128 + 32 * h));
            __m256i v0 = _mm256_or_si256(_mm256_and_si256(l0, low), _mm256_and_si256(_mm256_slli_epi16(qh, 4), high));
            __m256i v1 = _mm256_or_si256(_mm256_and_si256(l1, low), _mm256_and_si256(_mm256_slli_epi16(qh, 2), high));
            __m256i v2 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), low), _mm256_and_si256(qh, high));
            __m256i v3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), low),
                                         _mm256_and_si256(_mm256_srli_epi16(qh, 2), high));
            int b = sb * 8 + 4 * h;
            _mm256_storeu_si256((__m256i *) (p + b * 512), _mm256_sub_epi8(v0, off));
            _mm256_storeu_si256((__m256i *) (p + (b + 1) * 512), _mm256_sub_epi8(v1, off));
            _mm256_storeu_si256((__m256i *) (p + (b + 2) * 512), _mm256_sub_epi8(v2, off));
            _mm256_storeu_si256((__m256i *) (p + (b + 3) * 512), _mm256_sub_epi8(v3, off));
            const int8_t *sc = (const int8_t *) (blk + 192 + 8 * h);
            for (int k = 0; k < 8; k++) {
                ws[(2 * b + k) * 16] = d * sc[k];
            }
        }
    }
}

/* Decodes blocks [b0, b0 + nb) of rows [r, r + rows) (rows <= 16; b0 and nb multiples of 8 for the
 * K-quants) into the panel; missing rows are zero. */
static void unpack(int type, const uint8_t *w, int64_t row_bytes, int r, int rows, int b0, int nb,
                   int8_t *p, float *ws, float *wm) {
    if (rows < ROWS) {
        memset(p, 0, (size_t) ROWS * 32 * nb);
        memset(ws, 0, (size_t) 2 * nb * 16 * sizeof(float));
        memset(wm, 0, (size_t) nb * 16 * sizeof(float));
    }
    /* bytes per 8 blocks; the next pass's bytes of each row are prefetched while this one decodes
     * (16 interleaved streams, a page apart: the hardware prefetchers alone fell behind) */
    int64_t per8 = type == FLOTILLA_GEMM_Q4_0 || type == FLOTILLA_GEMM_Q4_K ? 144 : type == FLOTILLA_GEMM_Q8_0 ? 272 : 210;
    int64_t next = per8 * (b0 + nb) / 8, span = per8 * GEMM_CHUNK / 8;
    for (int i = 0; i < rows; i++) {
        const uint8_t *row = w + (r + i) * row_bytes;
        const uint8_t *ahead = next < row_bytes ? row + next : row + ROWS * row_bytes;
        for (int64_t o = 0; o < span; o += 64) {
            _mm_prefetch((const char *) ahead + o, _MM_HINT_T0);
        }
        switch (type) {
            case FLOTILLA_GEMM_Q4_0: unpack_q4_0(row + 18 * b0, nb, p + 32 * i, ws + i); break;
            case FLOTILLA_GEMM_Q8_0: unpack_q8_0(row + 34 * b0, nb, p + 32 * i, ws + i); break;
            case FLOTILLA_GEMM_Q4_K: unpack_q4_k(row + 144 * (b0 / 8), nb, p + 32 * i, ws + i, wm + i); break;
            default: unpack_q6_k(row + 210 * (b0 / 8), nb, p + 32 * i, ws + i); break;
        }
    }
}

/* ---------- the product ---------- */

/* acc[r] += (C row r, as floats) x (weight scale of row r) x (activation scales) */
#define EPILOGUE(cbuf, wsb, dav)                                                          \
    _Pragma("GCC unroll 16") for (int r = 0; r < ROWS; r++) {                            \
        __m512 c = _mm512_cvtepi32_ps(_mm512_loadu_si512((cbuf) + 64 * r));              \
        acc[r] = _mm512_fmadd_ps(c, _mm512_mul_ps(dav, _mm512_set1_ps((wsb)[r])), acc[r]); \
    }

AMX_TARGET static void group(int type, int nb, const int8_t *p, const float *ws, const float *wm,
                             const int8_t *q, const float *d, const float *s, uint8_t *cbuf, float *res) {
    __m512 acc[ROWS];
    for (int r = 0; r < ROWS; r++) {
        acc[r] = _mm512_loadu_ps(res + 16 * r);
    }
    if (type == FLOTILLA_GEMM_Q6_K) {
        for (int b = 0; b < nb; b++) {
            __m512 dav = _mm512_loadu_ps(d + b * 16);
            product_halves(b, p, q);
            _tile_stored(0, cbuf, 64);
            _tile_stored(3, cbuf + 1024, 64);
            EPILOGUE(cbuf, ws + 32 * b, dav)
            EPILOGUE(cbuf + 1024, ws + 32 * b + 16, dav)
        }
    } else {
        product(0, p, q);
        for (int b = 0; b < nb; b++) {
            if (b + 1 < nb) {
                product(b + 1, p, q);
            }
            store(b, cbuf);
            __m512 dav = _mm512_loadu_ps(d + b * 16);
            uint8_t *cb = cbuf + 1024 * (b & 1);
            EPILOGUE(cb, ws + 16 * b, dav)
            if (type == FLOTILLA_GEMM_Q4_K) {
                __m512 sav = _mm512_loadu_ps(s + b * 16);
                for (int r = 0; r < ROWS; r++) {
                    acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(wm[16 * b + r]), sav, acc[r]);
                }
            }
        }
    }
    for (int r = 0; r < ROWS; r++) {
        _mm512_storeu_ps(res + 16 * r, acc[r]);
    }
}

AMX_TARGET static void release(void) {
    _tile_release();
}

FLOTILLA_EXPORT int32_t flotilla_gemm_rows(int32_t type, const uint8_t *w, int64_t row_bytes,
                                           int32_t r0, int32_t r1, int32_t cols, int32_t n,
                                           const int8_t *q, const float *d, const float *s,
                                           float *out, int32_t out_stride, uint8_t *scratch) {
    if (type != FLOTILLA_GEMM_Q4_0 && type != FLOTILLA_GEMM_Q8_0 && type != FLOTILLA_GEMM_Q4_K
            && type != FLOTILLA_GEMM_Q6_K) {
        return -1;
    }
    int nb = cols / 32, groups = (n + 15) / 16;
    uint8_t *base = (uint8_t *) (((uintptr_t) scratch + 63) & ~(uintptr_t) 63);
    if (n <= GEMM_SMALL) {
        flotilla_gemm_small(type, w, row_bytes, r0, r1, cols, n, q, d, s, out, out_stride, base);
        return 0;
    }
    int8_t *p = (int8_t *) base;                         /* CHUNK blocks x 16 rows x 32 */
    float *ws = (float *) (base + (size_t) ROWS * CHUNK * 32); /* 2 x CHUNK x 16 */
    float *wm = ws + 2 * CHUNK * 16;                     /* CHUNK x 16 */
    uint8_t *cbuf = (uint8_t *) (wm + CHUNK * 16);       /* 2 KB */
    float *res = (float *) (cbuf + 2048);                /* groups x 16 rows x 16 tokens */
    configure(type, ROWS);
    for (int r = r0; r < r1; r += ROWS) {
        int rows = r1 - r < ROWS ? r1 - r : ROWS;
        memset(res, 0, (size_t) groups * 1024);
        for (int b0 = 0; b0 < nb; b0 += CHUNK) {
            int cb = nb - b0 < CHUNK ? nb - b0 : CHUNK;
            unpack(type, w, row_bytes, r, rows, b0, cb, p, ws, wm);
            for (int g = 0; g < groups; g++) {
                size_t slot = (size_t) g * nb + b0;
                group(type, cb, p, ws, wm, q + slot * 512, d + slot * 16, s + slot * 16, cbuf, res + 256 * g);
            }
        }
        for (int g = 0; g < groups; g++) {
            int nt = n - 16 * g < 16 ? n - 16 * g : 16;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < nt; j++) {
                    out[(size_t) (16 * g + j) * out_stride + r + i] = res[256 * g + 16 * i + j];
                }
            }
        }
    }
    release();
    return 0;
}
