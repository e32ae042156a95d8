// Internal C shim: the CBLAS and LAPACKE interfaces as shipped by Debian's
// libopenblas-dev and liblapacke-dev. Nothing outside LinearAlgebra imports this.
#ifndef IMPACTEVAL_CLAPACK_SHIM_H
#define IMPACTEVAL_CLAPACK_SHIM_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <cblas.h>
#include <lapacke.h>

/// The path of the shared object that defines cblas_dgemm in this process, or NULL.
static inline const char *impacteval_blas_library_path(void) {
    Dl_info info;
    if (dladdr((void *)&cblas_dgemm, &info) != 0 && info.dli_fname != 0) return info.dli_fname;
    return 0;
}
#endif
