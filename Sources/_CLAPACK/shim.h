// Internal C shim: the CBLAS and LAPACKE interfaces as shipped by Debian's
// libopenblas-dev and liblapacke-dev. Nothing outside LinearAlgebra imports this.
#ifndef IMPACTEVAL_CLAPACK_SHIM_H
#define IMPACTEVAL_CLAPACK_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
