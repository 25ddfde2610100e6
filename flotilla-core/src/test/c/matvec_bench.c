/*
 * GB/s of the native one-token kernels against a plain read of the same weights, per CPU level.
 * Random weights (valid scales), 2048 columns, about 700 MB per type (beyond the caches); the
 * time is the process's CPU time, so that other load on a shared machine counts less.
 *
 *   lib=flotilla-core/target/classes/native/linux-x86_64
 *   gcc -O2 -I flotilla-core/src/main/c flotilla-core/src/test/c/matvec_bench.c -o /tmp/matvec_bench \
 *       -L$lib -lflotilla_kernels -lpthread -Wl,-rpath,$PWD/$lib && /tmp/matvec_bench [THREADS] [MAX_LEVEL] [TYPE]
 *
 * The weights sit on 2 MiB pages (madvise MADV_HUGEPAGE), as the engine's do once kernel/HugePages has
 * moved them. TYPE (q4_0, q8_0, q4_k, q6_k) runs that type only (the read baseline always runs);
 * COLS=N (a multiple of 256) sets the columns, MB=N the size per type (MB=1: from the caches, 2000 passes),
 * CHUNK=N calls the kernel for N rows at a time (Compute's threads take chunks of about rows / 16).
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "flotilla.h"

typedef void (*matvec)(FLOTILLA_MATVEC_ARGS);

/* The baseline: every byte of rows [r0, r1) loaded once, 64 bytes per step. */
__attribute__((target("avx2"))) static void read_all(FLOTILLA_MATVEC_ARGS) {
    (void) cols, (void) n, (void) q, (void) d, (void) s16, (void) neg4, (void) out_stride;
    const uint8_t *p = w + (int64_t) r0 * row_bytes;
    int64_t len = (int64_t) (r1 - r0) * row_bytes;
    __m256i a = _mm256_setzero_si256(), b = a;
    for (int64_t i = 0; i + 64 <= len; i += 64) {
        a = _mm256_xor_si256(a, _mm256_loadu_si256((const __m256i *) (p + i)));
        b = _mm256_xor_si256(b, _mm256_loadu_si256((const __m256i *) (p + i + 32)));
    }
    out[0] = (float) _mm256_extract_epi32(_mm256_xor_si256(a, b), 0);
}

struct job {
    matvec f;
    const uint8_t *w;
    int64_t row_bytes;
    int32_t r0, r1, cols, rows, reps;
    const int8_t *q;
    const float *d;
    const int16_t *s16;
    const int32_t *neg4;
    float *out;
};

/* CHUNK=N: each thread calls the kernel for N rows at a time, as Compute's threads take chunks of a product. */
static int chunk_rows(void) {
    return getenv("CHUNK") ? atoi(getenv("CHUNK")) : 0;
}

static void *run(void *p) {
    struct job *j = p;
    int chunk = chunk_rows() > 0 ? chunk_rows() : j->r1 - j->r0;
    for (int i = 0; i < j->reps; i++) {
        for (int32_t r = j->r0; r < j->r1; r += chunk) {
            int32_t end = r + chunk < j->r1 ? r + chunk : j->r1;
            j->f(j->w, j->row_bytes, r, end, j->cols, 1, j->q, j->d, j->s16, j->neg4, j->out, j->rows);
        }
    }
    return NULL;
}

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    const char *names[] = {"read", "q4_0", "q8_0", "q4_k", "q6_k"};
    matvec fs[] = {read_all, flotilla_matvec_q4_0, flotilla_matvec_q8_0, flotilla_matvec_q4_k, flotilla_matvec_q6_k};
    int block_bytes[] = {18, 18, 34, 144, 210}, block[] = {32, 32, 32, 256, 256}, scale_at[] = {0, 0, 0, 0, 208};
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    if (threads < 1 || threads > 8) {
        threads = 1;
    }
    int level = argc > 2 ? flotilla_limit_cpu_level(atoi(argv[2])) : flotilla_cpu_level();
    int cols = getenv("COLS") ? atoi(getenv("COLS")) : 2048; /* a multiple of 256 */
    size_t total = (size_t) (getenv("MB") ? atoi(getenv("MB")) : 700) << 20; /* MB=1: from the caches */
    printf("cpu level %d, %d thread(s), GB/s of weights per CPU-second\n", level, threads);
    int8_t *q = malloc(cols);
    float *d = malloc(cols / 32 * sizeof(float));
    int16_t *s16 = calloc(cols / 16, sizeof(int16_t));
    int32_t *neg4 = malloc(cols / 4 * sizeof(int32_t));
    for (int i = 0; i < cols; i++) {
        q[i] = (int8_t) (rand() % 255 - 127);
        s16[i / 16] += q[i];
    }
    for (int i = 0; i < cols / 4; i++) {
        neg4[i] = -(q[4 * i] + q[4 * i + 1] + q[4 * i + 2] + q[4 * i + 3]);
    }
    for (int i = 0; i < cols / 32; i++) {
        d[i] = 0.01f;
    }
    const char *only = argc > 3 ? argv[3] : NULL;
    for (int k = 0; k < 5; k++) {
        if (k > 0 && only != NULL && strcmp(only, names[k]) != 0) {
            continue;
        }
        int64_t row_bytes = (int64_t) cols / block[k] * block_bytes[k];
        int32_t rows = (int32_t) (total / row_bytes);
        size_t bytes = (size_t) row_bytes * rows;
        size_t huge = (size_t) 2 << 20, alloc = (bytes + huge - 1) / huge * huge;
        uint8_t *w = aligned_alloc(huge, alloc);
        madvise(w, alloc, MADV_HUGEPAGE);
        for (size_t i = 0; i < bytes; i++) {
            w[i] = (uint8_t) (i * 2654435761u >> 13);
        }
        for (size_t b = 0; b < bytes / block_bytes[k]; b++) {
            uint8_t *p = w + b * block_bytes[k] + scale_at[k];
            p[0] = 0x00, p[1] = 0x3c; /* f16 1.0 (Q4_K: d; dmin below) */
            if (k == 3) {
                p[2] = 0x00, p[3] = 0x3c;
            }
        }
        float *out = malloc(rows * sizeof(float));
        struct job jobs[8];
        pthread_t ids[8];
        for (int rep = 0; rep < 2; rep++) { /* the first pass warms up */
            int reps = getenv("MB") ? 2000 : 5;
            double t0 = cpu_seconds();
            for (int i = 0; i < threads; i++) {
                jobs[i] = (struct job) {fs[k], w, row_bytes, (int32_t) ((int64_t) rows * i / threads),
                    (int32_t) ((int64_t) rows * (i + 1) / threads), cols, rows, reps, q, d, s16, neg4, out};
                pthread_create(&ids[i], NULL, run, &jobs[i]);
            }
            for (int i = 0; i < threads; i++) {
                pthread_join(ids[i], NULL);
            }
            double t = cpu_seconds() - t0;
            if (rep == 1) {
                printf("%-5s %6.1f GB/s (%.0f MB)\n", names[k], (double) bytes * reps * threads / t / 1e9 / threads,
                       bytes / 1e6);
            }
        }
        free(w);
        free(out);
    }
    return 0;
}
