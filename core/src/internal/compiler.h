/* internal/compiler.h - compiler attributes shared by the core's hot paths. */
#ifndef AW_INTERNAL_COMPILER_H
#define AW_INTERNAL_COMPILER_H

/* For small helpers on hot paths that the WASM build (clang) would otherwise leave as calls. */
#if defined(__GNUC__)
#define AW_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define AW_ALWAYS_INLINE inline
#endif

#endif
