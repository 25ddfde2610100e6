/* CPU detection: which variant of the kernels this machine runs (see flotilla.h). */
#include "flotilla.h"

static int32_t level = -1;

static int32_t detect(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        return FLOTILLA_CPU_NONE;
    }
    /* F16C has no __builtin_cpu_supports name in gcc 12; every AVX2 CPU has it. */
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni")) {
        return FLOTILLA_CPU_AVX512VNNI;
    }
    if (__builtin_cpu_supports("avxvnni")) {
        return FLOTILLA_CPU_AVXVNNI;
    }
    return FLOTILLA_CPU_AVX2;
}

FLOTILLA_EXPORT int32_t flotilla_cpu_level(void) {
    if (level < 0) {
        level = detect(); /* idempotent: a race writes the same value */
    }
    return level;
}

FLOTILLA_EXPORT int32_t flotilla_limit_cpu_level(int32_t max) {
    int32_t detected = detect();
    level = max < detected ? (max < 0 ? 0 : max) : detected;
    return level;
}
