/*
 * Moving mapped weights onto 2 MiB pages while the kernels read them.
 *
 * The kernels stream the weights from the GGUF file's mapping, which the kernel backs with 4 KiB
 * page-cache pages: a TLB miss every 4 KiB (and a two-level walk in a virtual machine). A range is
 * moved by copying it into anonymous memory marked MADV_HUGEPAGE at a 2 MiB-aligned address and
 * then moving that memory over the range with one mremap(MREMAP_FIXED) call: the addresses Java
 * holds stay valid, and a reader sees the same bytes before, during and after the call (the kernel
 * swaps the page tables under its mmap lock).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "flotilla.h"

#define HUGE_PAGE ((uintptr_t) 2 << 20)

int32_t flotilla_remap_huge(void *addr, int64_t len) {
    uintptr_t start = (uintptr_t) addr;
    if (len <= 0 || (start & (HUGE_PAGE - 1)) != 0 || ((uintptr_t) len & (HUGE_PAGE - 1)) != 0) {
        return EINVAL;
    }
    size_t n = (size_t) len;
    char *raw = mmap(NULL, n + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) {
        return errno;
    }
    char *tmp = (char *) (((uintptr_t) raw + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
    if (tmp > raw) {
        munmap(raw, (size_t) (tmp - raw));
    }
    if (raw + n + HUGE_PAGE > tmp + n) {
        munmap(tmp + n, (size_t) (raw + n + HUGE_PAGE - (tmp + n)));
    }
    int err = 0;
    if (madvise(tmp, n, MADV_HUGEPAGE) != 0) {
        err = errno;
    } else {
        memcpy(tmp, addr, n);
        if (mprotect(tmp, n, PROT_READ) != 0 || mremap(tmp, n, n, MREMAP_MAYMOVE | MREMAP_FIXED, addr) == MAP_FAILED) {
            err = errno;
        } else {
            return 0;
        }
    }
    munmap(tmp, n);
    return err;
}
