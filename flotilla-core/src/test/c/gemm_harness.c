/*
 * Standalone check and timing of gemm.c (not run by Maven):
 *   gcc -O3 -mf16c -I../../main/c gemm_harness.c ../../main/c/gemm*.c ../../main/c/cpu.c -lm -o /tmp/gemm_harness
 *   /tmp/gemm_harness [REPS [N...]]   (timing: best of REPS, 2048 x 8192, N tokens: default 4 8 16 128)
 * Compares flotilla_gemm_rows with a double-precision product of the decoded weights and the
 * decoded 8-bit activations, then times rows x cols x n products on one thread.
 */
#include "gemm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <immintrin.h>

static unsigned long long seed = 42;
static unsigned rnd(void) { seed = seed * 6364136223846793005ULL + 1442695040888963407ULL; return (unsigned) (seed >> 33); }
static float frnd(void) { return (rnd() % 20001) / 10000.0f - 1.0f; }

static int block_bytes(int type) { return type == 2 ? 18 : type == 8 ? 34 : type == 12 ? 144 : 210; }
static int block_size(int type) { return type == 2 || type == 8 ? 32 : 256; }

static void put_half(uint8_t *p, float f) { uint16_t h = _cvtss_sh(f, 0); memcpy(p, &h, 2); }
static float get_half(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return _cvtsh_ss(h); }

static void fill(int type, uint8_t *w, size_t bytes) {
    for (size_t i = 0; i < bytes; i++) w[i] = (uint8_t) rnd();
    int bb = block_bytes(type);
    for (size_t o = 0; o < bytes; o += bb) { /* sane scales */
        if (type == 14) put_half(w + o + 208, 0.01f * (1 + rnd() % 100) / 100);
        else { put_half(w + o, 0.01f * (1 + rnd() % 100) / 100); if (type == 12) put_half(w + o + 2, 0.005f * (rnd() % 100) / 100); }
    }
}

static int ks(const uint8_t *s, int j) { return j < 4 ? s[j] & 63 : (s[j + 4] & 0xF) | (s[j - 4] >> 6) << 4; }
static int km(const uint8_t *s, int j) { return j < 4 ? s[j + 4] & 63 : (s[j + 4] >> 4) | (s[j] >> 6) << 4; }

static void dequant(int type, const uint8_t *row, int cols, double *dst) {
    for (int b = 0; b < cols / block_size(type); b++) {
        const uint8_t *blk = row + (size_t) b * block_bytes(type);
        double *o = dst + b * block_size(type);
        if (type == 2) { float d = get_half(blk); for (int j = 0; j < 16; j++) { o[j] = d * ((blk[2 + j] & 0xF) - 8); o[j + 16] = d * ((blk[2 + j] >> 4) - 8); } }
        else if (type == 8) { float d = get_half(blk); for (int j = 0; j < 32; j++) o[j] = d * (int8_t) blk[2 + j]; }
        else if (type == 12) {
            float d = get_half(blk), m = get_half(blk + 2);
            for (int c = 0; c < 4; c++) for (int l = 0; l < 32; l++) {
                int q = blk[16 + 32 * c + l];
                o[64 * c + l] = (double) d * ks(blk + 4, 2 * c) * (q & 0xF) - (double) m * km(blk + 4, 2 * c);
                o[64 * c + 32 + l] = (double) d * ks(blk + 4, 2 * c + 1) * (q >> 4) - (double) m * km(blk + 4, 2 * c + 1);
            }
        } else {
            float d = get_half(blk + 208);
            for (int h = 0; h < 2; h++) {
                const uint8_t *ql = blk + 64 * h, *qh = blk + 128 + 32 * h; const int8_t *sc = (const int8_t *) (blk + 192 + 8 * h);
                for (int l = 0; l < 32; l++) {
                    int is = l / 16; double *y = o + 128 * h;
                    y[l] = (double) d * sc[is] * (((ql[l] & 0xF) | (qh[l] & 3) << 4) - 32);
                    y[l + 32] = (double) d * sc[is + 2] * (((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4) - 32);
                    y[l + 64] = (double) d * sc[is + 4] * (((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32);
                    y[l + 96] = (double) d * sc[is + 6] * (((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32);
                }
            }
        }
    }
}

/* Quant i of group k (4 values) of token j's block at slot: token-major for small batches (gemm.h). */
static int qat(const int8_t *q, size_t slot, int j, int k, int i, int n) {
#ifdef OLD_LAYOUT
    (void) n;
    return q[slot * 512 + k * 64 + 4 * j + i];
#else
    return n <= 16 ? q[slot * 512 + 32 * j + 4 * k + i] : q[slot * 512 + k * 64 + 4 * j + i];
#endif
}

/* thread CPU time: the machine is shared, wall time counts the other processes too */
static double now(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static int run(int type, int rows, int cols, int n, int r0, int r1, int reps) {
    size_t rb = (size_t) cols / block_size(type) * block_bytes(type);
    uint8_t *w = malloc(rb * rows);
    fill(type, w, rb * rows);
    float *x = malloc(sizeof(float) * n * cols);
    for (int i = 0; i < n * cols; i++) x[i] = frnd() * (i % 97 == 0 ? 8 : 1);
    int groups = (n + 15) / 16, nb = cols / 32;
    int8_t *q = malloc((size_t) groups * 16 * cols);
    float *d = malloc(sizeof(float) * groups * 16 * nb), *s = malloc(sizeof(float) * groups * 16 * nb);
    float *out = calloc((size_t) n * rows, sizeof(float));
    uint8_t *scratch = malloc(flotilla_gemm_scratch_bytes(cols, n));
    int super = block_size(type) == 256;
    flotilla_gemm_prepare(x, n, cols, super, q, d, s);
    flotilla_gemm_rows(type, w, rb, r0, r1, cols, n, q, d, s, out, rows, scratch);
    double *wr = malloc(sizeof(double) * cols), worst = 0;
    for (int r = r0; r < r1; r++) {
        dequant(type, w + r * rb, cols, wr);
        for (int t = 0; t < n; t++) {
            double ref = 0, mag = 0;
            size_t slot = (size_t) (t / 16) * nb;
            for (int c = 0; c < cols; c++) {
                int b = c / 32, k = (c % 32) / 4, i = c % 4;
                double a = qat(q, slot + b, t % 16, k, i, n) * (double) d[(slot + b) * 16 + t % 16];
                ref += wr[c] * a; mag += fabs(wr[c] * a);
            }
            double e = fabs(out[(size_t) t * rows + r] - ref) / (mag + 1e-30);
            if (e > worst) worst = e;
        }
    }
    double secs = 0;
    if (reps > 0) {
        secs = 1e9;
        for (int i = 0; i < reps; i++) { /* best of reps */
            double t0 = now();
            flotilla_gemm_rows(type, w, rb, 0, rows, cols, n, q, d, s, out, rows, scratch);
            if (now() - t0 < secs) secs = now() - t0;
        }
        double tp = now();
        for (int i = 0; i < reps; i++) flotilla_gemm_prepare(x, n, cols, super, q, d, s);
        double prep = (now() - tp) / reps;
        printf("type %2d %dx%d n=%3d: %.3f ms (%.3f ns per row x token x 32 weights, %.1f GMAC/s), prepare %.3f ms\n",
               type, rows, cols, n, secs * 1e3, secs * 1e9 / ((double) rows * n * cols / 32),
               (double) rows * n * cols / secs * 1e-9, prep * 1e3);
    }
    printf("type %2d %dx%d n=%d rows [%d,%d): worst error / sum|w*a| = %.2e\n", type, rows, cols, n, r0, r1, worst);
    free(w); free(x); free(q); free(d); free(s); free(out); free(scratch); free(wr);
    return worst < 1e-5 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (!flotilla_gemm_available()) { printf("no AMX\n"); return 0; }
    int bad = 0, types[] = {2, 8, 12, 14};
    for (int i = 0; i < 4; i++) {
        bad += run(types[i], 37, 512, 5, 3, 37, 0);
        bad += run(types[i], 40, 768, 33, 0, 17, 0);
        bad += run(types[i], 16, 256, 16, 0, 16, 0);
        bad += run(types[i], 35, 1280, 1, 1, 35, 0);
        bad += run(types[i], 33, 9216, 8, 0, 33, 0); /* 36 blocks: a partial chunk */
        bad += run(types[i], 21, 256, 12, 0, 21, 0);
    }
    int reps = argc > 1 ? atoi(argv[1]) : 3;
    int ns[] = {4, 8, 16, 128}, count = argc > 2 ? argc - 2 : 4;
    if (argc > 2) for (int k = 0; k < count && k < 4; k++) ns[k] = atoi(argv[2 + k]);
    for (int i = 0; i < 4; i++) for (int k = 0; k < count && k < 4; k++) bad += run(types[i], 2048, 8192, ns[k], 0, 64, reps);
    printf(bad ? "FAILED %d\n" : "ok\n", bad);
    return bad != 0;
}
