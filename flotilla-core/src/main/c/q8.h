/*
 * The rules of the activations' 8-bit quantization (ggml's quantize_row_q8_0 / quantize_row_q8_K, as
 * io.flotilla.kernel.Activations does them in Java), shared by the one-token path (quantize.c) and the
 * GEMM path (gemm.c) so that both quantize a token to the same bits; each vectorizes the quants itself
 * (x times the multiplier, rounded to nearest with ties to even, Q8_K's capped at 127).
 */
#ifndef FLOTILLA_Q8_H
#define FLOTILLA_Q8_H

#include <immintrin.h>

/* Q8_0 (blocks of 32): amax is the block's largest magnitude. */
static inline float q8_0_multiplier(float amax) {
    return amax != 0.0f ? 127.0f / amax : 0.0f; /* as ggml's x86 code: not 1 / scale */
}

__attribute__((target("f16c"))) static inline float q8_0_scale(float amax) {
    return _cvtsh_ss(_cvtss_sh(amax / 127, _MM_FROUND_TO_NEAREST_INT)); /* stored as f16 */
}

/* Q8_K (super-blocks of 256): -127 over the first value of largest magnitude amax, or 0. */
static inline float q8_k_multiplier(const float *x, float amax) {
    for (int i = 0; i < 256 && amax != 0.0f; i++) {
        if (__builtin_fabsf(x[i]) == amax) {
            return -127.0f / x[i];
        }
    }
    return 0.0f;
}

static inline float q8_k_scale(float multiplier) {
    return multiplier == 0.0f ? 0.0f : 1.0f / multiplier;
}

#endif
